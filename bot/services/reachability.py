"""Whether a member's chat can be reached. A chat that blocked the bot (the platform says so, or a send is
refused as blocked) is marked at once: its pending messages are held as blocked (never retried; an alert
to it moves its escalation on), and the caseworker of each family the member is in is told which
commitments now have nobody reachable. When the chat unblocks (or writes again) it is reachable again,
and the held messages that still matter are sent: check-in questions still open, meetings still ahead,
anything else from the last day."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from sqlalchemy import select, update

from bot.domain.vocabulary import CheckinState, MembershipState, OutboxPurpose, OutboxState, Role
from bot.services import notify
from bot.services.audit import record
from bot.services.context import Actor, Ctx
from bot.services.escalations import move_on_now
from bot.services.families import staff_person
from messages import relay as texts
from storage.models import ChatIdentity, Checkin, Commitment, Family, Meeting, Membership, OutboxMessage

STILL_RELEVANT = timedelta(days=1)  # a held routine message older than this is not sent after an unblock
CHECKIN_KINDS = (OutboxPurpose.CHECKIN, OutboxPurpose.NUDGE)
MEETING_KINDS = (OutboxPurpose.MEETING_INVITE, OutboxPurpose.MEETING_REMINDER, OutboxPurpose.MEETING_CANCELLED)


def hold_row(ctx: Ctx, outbox_id: int, attempts: int | None = None, detail: str = "chat blocked") -> None:
    """One message to a blocked chat: held as blocked (never retried); an alert moves its escalation on."""
    values: dict[str, object] = {"state": OutboxState.BLOCKED, "last_error": detail[:200], "claimed_until": None}
    if attempts is not None:
        values["attempts"] = attempts
    ctx.s.execute(update(OutboxMessage).where(OutboxMessage.id == outbox_id).values(**values),
                  execution_options={"synchronize_session": False})
    kind, escalation_id, step = ctx.s.execute(select(
        OutboxMessage.kind, OutboxMessage.escalation_id, OutboxMessage.escalation_step).where(
        OutboxMessage.id == outbox_id)).one()
    if kind == OutboxPurpose.ESCALATION and escalation_id is not None and step is not None:
        move_on_now(ctx, escalation_id, step)  # an alert that cannot reach this person must not wait out the timeout


def mark_blocked(ctx: Ctx, identity: ChatIdentity, *, certain: bool) -> None:
    """The chat blocked the bot: marked now, its pending messages held, the caseworkers told (once a day)."""
    if identity.blocked_at is None:
        identity.blocked_at = ctx.now
    pending = list(ctx.s.scalars(select(OutboxMessage.id).where(
        OutboxMessage.identity_id == identity.id,
        OutboxMessage.state.in_([OutboxState.PENDING, OutboxState.SENDING]))))
    for oid in pending:
        hold_row(ctx, oid)
    record(ctx, Actor.engine(), "identity.blocked", subject=f"identity:{identity.id}",
           detail=f"{len(pending)} held" + ("" if certain else ", found on sending"))
    if identity.person_id is None or notify.reachable_identities(ctx, identity.person_id):
        return  # not a member, or still reachable on another chat
    for membership, family in _memberships(ctx, identity.person_id):
        caseworker = staff_person(ctx, family.id, Role.CASEWORKER)
        if caseworker is None:
            continue
        unreachable = list(ctx.s.scalars(select(Commitment.text).where(
            Commitment.owner_membership_id == membership.id, Commitment.active.is_(True)).order_by(Commitment.id)))
        notify.to_person(ctx, caseworker, family,
                         partial(texts.chat_blocked_notice, alias=family.alias, member=membership.name,
                                 unreachable=unreachable, certain=certain),
                         key=f"blocked:{identity.id}:{family.id}:{ctx.now:%Y%m%d}", purpose=OutboxPurpose.CHAT_BLOCKED)


def _memberships(ctx: Ctx, person_id: int) -> list[tuple[Membership, Family]]:
    rows = ctx.s.execute(select(Membership, Family).join(Family, Family.id == Membership.family_id).where(
        Membership.person_id == person_id, Membership.state == MembershipState.ACTIVE))
    return [(m, f) for m, f in rows.all() if not Role(m.role).is_staff]


def _still_relevant(ctx: Ctx, row: OutboxMessage) -> bool:
    if row.kind in CHECKIN_KINDS and row.checkin_id is not None:
        checkin = ctx.s.get(Checkin, row.checkin_id)
        return checkin is not None and checkin.state == CheckinState.PENDING and checkin.grace_ends_at > ctx.now
    if row.kind in MEETING_KINDS and row.meeting_id is not None:
        meeting = ctx.s.get(Meeting, row.meeting_id)
        return meeting is not None and meeting.starts_at > ctx.now
    if row.kind in (OutboxPurpose.ESCALATION, OutboxPurpose.ESCALATION_UPDATE):
        return False  # the escalation moved on to someone else
    return row.created_at > ctx.now - STILL_RELEVANT


def mark_unblocked(ctx: Ctx, identity: ChatIdentity, actor: Actor) -> int:
    """The chat is reachable again: held messages that still matter go out now, the rest are given up.
    Returns how many were restored."""
    was_blocked = identity.blocked_at is not None
    identity.blocked_at = None
    restored = 0
    for row in ctx.s.scalars(select(OutboxMessage).where(OutboxMessage.identity_id == identity.id,
                                                         OutboxMessage.state == OutboxState.BLOCKED)):
        if _still_relevant(ctx, row):
            row.state, row.next_attempt_at, row.last_error = OutboxState.PENDING, ctx.now, None
            restored += 1
        else:
            row.state, row.last_error = OutboxState.FAILED, "blocked; no longer relevant"
    record(ctx, actor, "identity.unblocked", subject=f"identity:{identity.id}", detail=f"{restored} restored")
    if not was_blocked or identity.person_id is None:
        return restored
    for membership, family in _memberships(ctx, identity.person_id):
        caseworker = staff_person(ctx, family.id, Role.CASEWORKER)
        if caseworker is not None:
            notify.to_person(ctx, caseworker, family,
                             partial(texts.chat_unblocked_notice, alias=family.alias, member=membership.name),
                             key=f"unblocked:{identity.id}:{family.id}:{ctx.now.timestamp()}",
                             purpose=OutboxPurpose.CHAT_BLOCKED)
    return restored
