"""What a delivery that failed for good means, whatever the platform: the row is marked failed; an
escalation alert nobody can receive moves the escalation on at once; a chat that blocked the bot is
marked, and the caseworker of each family the member is in is told."""

from __future__ import annotations

from functools import partial

from sqlalchemy import select, update

from bot.domain.vocabulary import MembershipState, OutboxPurpose, OutboxState, Role
from bot.services import notify
from bot.services.audit import record
from bot.services.context import Actor, Ctx
from bot.services.escalations import move_on_now
from bot.services.families import staff_person
from messages import staff as texts
from storage.models import ChatIdentity, Family, Membership, OutboxMessage


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


def blocked(ctx: Ctx, outbox_id: int, identity_id: int, attempts: int, detail: str) -> None:
    """The chat blocked the bot (or no longer exists): nothing more is sent to it."""
    failed(ctx, outbox_id, attempts, detail or "blocked")
    identity = ctx.s.get_one(ChatIdentity, identity_id)
    if identity.blocked_at is None:
        identity.blocked_at = ctx.now
    record(ctx, Actor.engine(), "identity.blocked", subject=f"identity:{identity.id}")
    if identity.person_id is None:
        return
    for membership, family in ctx.s.execute(
            select(Membership, Family).join(Family, Family.id == Membership.family_id)
            .where(Membership.person_id == identity.person_id, Membership.state == MembershipState.ACTIVE)).all():
        if Role(membership.role).is_staff:
            continue
        caseworker = staff_person(ctx, family.id, Role.CASEWORKER)
        if caseworker:
            notify.to_person(ctx, caseworker, family,
                             partial(texts.chat_unreachable_notice, alias=family.alias, member=membership.name),
                             key=f"blocked:{identity.id}:{family.id}:{ctx.now:%Y%m%d}",
                             purpose=OutboxPurpose.CHAT_BLOCKED)
