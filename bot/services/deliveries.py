"""What a delivery that failed for good means, whatever the platform: the row is marked failed; an
escalation alert nobody can receive moves the escalation on at once; a chat that blocked the bot is
marked and its messages held (bot.services.reachability), and the caseworker of each family the member is
in is told."""

from __future__ import annotations

from sqlalchemy import select, update

from bot.domain.vocabulary import OutboxPurpose, OutboxState
from bot.services.audit import record
from bot.services.context import Actor, Ctx
from bot.services.escalations import move_on_now
from bot.services.reachability import hold_row, mark_blocked
from storage.models import ChatIdentity, OutboxMessage


def failed(ctx: Ctx, outbox_id: int, attempts: int, detail: str) -> None:
    """The message cannot be delivered (a permanent error, or too many tries)."""
    ctx.s.execute(update(OutboxMessage).where(OutboxMessage.id == outbox_id).values(
        state=OutboxState.FAILED, attempts=attempts, last_error=detail[:200], claimed_until=None),
        execution_options={"synchronize_session": False})
    kind, escalation_id, step = ctx.s.execute(select(
        OutboxMessage.kind, OutboxMessage.escalation_id, OutboxMessage.escalation_step).where(
        OutboxMessage.id == outbox_id)).one()
    if kind == OutboxPurpose.ESCALATION and escalation_id is not None and step is not None:
        move_on_now(ctx, escalation_id, step)  # an alert that cannot reach this person must not wait out the timeout
    record(ctx, Actor.engine(), "outbox.failed", subject=f"outbox:{outbox_id}", outcome="failed",
           detail=detail[:120])


def to_blocked_chat(ctx: Ctx, outbox_id: int) -> None:
    """A row claimed for a chat already known to be blocked: held with the others, never sent."""
    hold_row(ctx, outbox_id)


def blocked(ctx: Ctx, outbox_id: int, identity_id: int, attempts: int, detail: str) -> None:
    """A send was refused as blocked (the chat blocked the bot, or no longer exists): nothing more is sent."""
    hold_row(ctx, outbox_id, attempts, detail or "blocked")
    identity = ctx.s.get_one(ChatIdentity, identity_id)
    if identity.blocked_at is None:
        mark_blocked(ctx, identity, certain=False)
