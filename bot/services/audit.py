"""The audit trail: who did what, when, with what outcome. No message text, ever."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert

from bot.services.context import Actor, Ctx
from storage.models import AuditEvent


def record(ctx: Ctx, actor: Actor, action: str, *, family_id: int | None = None, subject: str | None = None,
           outcome: str = "ok", detail: str | None = None) -> AuditEvent:
    event = AuditEvent(at=ctx.now, actor=actor.label, action=action, outcome=outcome, family_id=family_id,
                       subject=subject, detail=(detail or None) and detail[:120])
    ctx.s.add(event)
    return event


def record_each(ctx: Ctx, action: str, events: Sequence[tuple[str, int | None, str, str | None]]) -> None:
    """The same action by different actors, in one statement: (actor label, family id, subject, detail) each."""
    if events:
        table: Any = AuditEvent.__table__
        ctx.s.execute(insert(table), [{"at": ctx.now, "actor": actor, "action": action, "outcome": "ok",
                                       "family_id": family_id, "subject": subject,
                                       "detail": (detail or None) and detail[:120]}
                                      for actor, family_id, subject, detail in events])
