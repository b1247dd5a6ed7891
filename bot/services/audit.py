"""The audit trail: who did what, when, with what outcome. No message text, ever."""

from __future__ import annotations

from bot.services.context import Actor, Ctx
from storage.models import AuditEvent


def record(ctx: Ctx, actor: Actor, action: str, *, family_id: int | None = None, subject: str | None = None,
           outcome: str = "ok", detail: str | None = None) -> None:
    ctx.s.add(AuditEvent(at=ctx.now, actor=actor.label, action=action, outcome=outcome, family_id=family_id,
                         subject=subject, detail=(detail or None) and detail[:120]))
