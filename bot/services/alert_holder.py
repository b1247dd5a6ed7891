"""The member who raised an alert (a worry, or a bottom line answered "not done") is told truthfully who
has it: at first from the alerts actually written (bot.services.escalations.roles_told), then again each
time it moves on to someone new (once per move, never per repeat)."""

from __future__ import annotations

from bot.domain.vocabulary import EscalationReason, OutboxPurpose
from bot.services import notify
from bot.services.context import Ctx
from messages import members as texts
from storage.models import Checkin, Commitment, Escalation, Family, Membership

TOLD_REASONS = (EscalationReason.WORRIED, EscalationReason.NOT_DONE)


def raiser(ctx: Ctx, esc: Escalation) -> int | None:
    """The person who raised it: the worry's member, or the owner of the check-in's commitment."""
    membership_id = esc.membership_id
    if membership_id is None and esc.checkin_id is not None:
        checkin = ctx.s.get_one(Checkin, esc.checkin_id)
        membership_id = ctx.s.get_one(Commitment, checkin.commitment_id).owner_membership_id
    membership = ctx.s.get(Membership, membership_id) if membership_id else None
    return membership.person_id if membership is not None else None


def tell_moved(ctx: Ctx, esc: Escalation, family: Family, role: str) -> None:
    """Nobody took it in time and `role` has just been alerted for the first time: the raiser hears so."""
    if esc.reason not in TOLD_REASONS:
        return  # a missed check-in: the member said nothing, so there is nothing of theirs to report on
    person_id = raiser(ctx, esc)
    if person_id is None:
        return
    notify.to_person(ctx, person_id, family, lambda tr: texts.alert_moved(tr, role),
                     key=f"esc:{esc.id}:holder:{esc.step}", purpose=OutboxPurpose.ALERT_HOLDER, urgent=True,
                     escalation_id=esc.id)
