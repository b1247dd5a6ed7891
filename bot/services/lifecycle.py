"""Closing a family: members are told kindly that the network's work has ended, everything scheduled stops
(check-ins, reminders, alerts, messages not yet sent, invites), staff are told how to export the record,
and the family's personal data is due for erasure after the retention period (bot.services.erasure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, update

from bot.domain.vocabulary import (
    CheckinState,
    EscalationState,
    MembershipState,
    OutboxPurpose,
    OutboxState,
    Role,
)
from bot.services import audit, notify
from bot.services.context import Actor, Ctx
from bot.services.errors import InvalidInput
from bot.services.families import get_family, require_staff, staff_person
from messages import lifecycle as texts
from storage.models import (
    CaseClosure,
    Checkin,
    Commitment,
    Escalation,
    Invite,
    Meeting,
    Membership,
    OutboxMessage,
    PendingReply,
    PlanDraft,
    ReviewDate,
)


@dataclass(frozen=True)
class Closed:
    family_id: int
    alias: str
    members_told: int
    erase_at: datetime


def is_closed(ctx: Ctx, family_id: int) -> bool:
    return ctx.s.get(CaseClosure, family_id) is not None


def close_family(ctx: Ctx, actor: Actor, family_id: int) -> Closed:
    family = get_family(ctx, family_id)
    require_staff(ctx, actor, family.id, "family.close")
    if is_closed(ctx, family.id):
        raise InvalidInput("already_closed", f"family {family.id} is already closed", family_id=family.id)
    members = [m.person_id for m in ctx.s.scalars(select(Membership).where(
        Membership.family_id == family.id, Membership.state == MembershipState.ACTIVE,
        Membership.person_id.is_not(None), Membership.role.not_in([r.value for r in Role if r.is_staff])))]
    caseworker = staff_person(ctx, family.id, Role.CASEWORKER)
    erase_at = ctx.now + timedelta(days=ctx.settings.retention_days)
    ctx.s.add(CaseClosure(family_id=family.id, closed_at=ctx.now, closed_by=actor.label, erase_at=erase_at))
    _stop_schedules(ctx, family.id, actor)
    _stop_messages(ctx, family.id)
    _end_memberships(ctx, family.id)
    for person_id in members:  # after the pending messages were cancelled: the goodbye goes out
        assert person_id is not None
        notify.to_person(ctx, person_id, family, partial(texts.network_ended, alias=family.alias,
                                                         emergency=family.emergency_number),
                         key=f"closed:{family.id}:{person_id}", purpose=OutboxPurpose.CASE_CLOSED)
    if caseworker is not None:
        erase_on = erase_at.astimezone(ZoneInfo(family.timezone)).date().isoformat()
        notify.to_person(ctx, caseworker, family, partial(texts.case_closed_staff, alias=family.alias,
                                                          family_id=family.id, erase_on=erase_on),
                         key=f"closed:{family.id}:staff", purpose=OutboxPurpose.REPLY)  # their own action: at once
    audit.record(ctx, actor, "family.close", family_id=family.id, subject=f"family:{family.id}",
                 detail=f"members {len(members)}, erase after {erase_at:%Y-%m-%d}")
    return Closed(family.id, family.alias, len(members), erase_at)


def _stop_schedules(ctx: Ctx, family_id: int, actor: Actor) -> None:
    """No more check-ins, reminders or alert steps; reviews are no longer reported; open drafts go."""
    ctx.s.execute(update(Checkin).where(Checkin.family_id == family_id, Checkin.state == CheckinState.PENDING)
                  .values(state=CheckinState.CANCELLED))
    ctx.s.execute(update(Commitment).where(Commitment.family_id == family_id, Commitment.active.is_(True))
                  .values(active=False, scheduled_until=None))
    ctx.s.execute(update(Meeting).where(Meeting.family_id == family_id, Meeting.cancelled.is_(False),
                                        Meeting.starts_at > ctx.now).values(cancelled=True))
    ctx.s.execute(update(Escalation).where(Escalation.family_id == family_id,
                                           Escalation.state != EscalationState.RESOLVED)
                  .values(state=EscalationState.RESOLVED, resolved_at=ctx.now, resolved_by=actor.person_id,
                          next_step_at=None))
    ctx.s.execute(update(ReviewDate).where(ReviewDate.family_id == family_id).values(report_at=None))
    ctx.s.execute(delete(PlanDraft).where(PlanDraft.family_id == family_id))
    checkins = select(Checkin.id).where(Checkin.family_id == family_id)
    escalations = select(Escalation.id).where(Escalation.family_id == family_id)
    ctx.s.execute(delete(PendingReply).where(PendingReply.checkin_id.in_(checkins)))
    ctx.s.execute(delete(PendingReply).where(PendingReply.escalation_id.in_(escalations)))


def _stop_messages(ctx: Ctx, family_id: int) -> None:
    ctx.s.execute(update(OutboxMessage).where(OutboxMessage.family_id == family_id,
                                              OutboxMessage.state == OutboxState.PENDING)
                  .values(state=OutboxState.CANCELLED, last_error="family closed"),
                  execution_options={"synchronize_session": False})


def _end_memberships(ctx: Ctx, family_id: int) -> None:
    """Every place in the network and team ends (so no summary includes the family); unused invites die."""
    ids = select(Membership.id).where(Membership.family_id == family_id)
    ctx.s.execute(update(Invite).where(Invite.membership_id.in_(ids), Invite.used_at.is_(None),
                                       Invite.expires_at > ctx.now).values(expires_at=ctx.now))
    ctx.s.execute(update(Membership).where(
        Membership.family_id == family_id,
        Membership.state.in_([MembershipState.ACTIVE, MembershipState.INVITED])).values(
        state=MembershipState.LEFT, left_at=ctx.now), execution_options={"synchronize_session": False})


def closed_families_due(ctx: Ctx, limit: int) -> list[int]:
    """Closed families whose retention period is over (found through the indexed erase_at)."""
    return list(ctx.s.scalars(select(CaseClosure.family_id).where(CaseClosure.erase_at <= ctx.now)
                              .order_by(CaseClosure.erase_at).limit(limit)))

