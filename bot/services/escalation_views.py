"""Escalations as the operator reads them: which are open, how old, who holds each one now, and the steps it
went through (who was told when, who acknowledged, who resolved and how). Read-only; staff only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from bot.domain.vocabulary import EscalationState
from bot.services.context import Actor, Ctx
from bot.services.errors import Refused
from bot.services.escalations import get_escalation
from bot.services.families import get_family, require_staff
from storage.models import Checkin, Commitment, Escalation, EscalationNotice, Family, Membership, Person


@dataclass
class Step:
    """One person told, at one step of the chain."""

    step: int
    role: str
    person: str
    notified_at: datetime


@dataclass
class EscalationView:
    id: int
    family_id: int
    alias: str
    reason: str
    state: str
    opened_at: datetime
    age_minutes: int
    member: str | None  # whose commitment or worry it is (a name the caseworker knows)
    holder: str | None  # who has it now: who acknowledged it, else the last person told; None: nobody yet
    holder_role: str | None
    steps: list[Step] = field(default_factory=list)
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    resolution_note: str | None = None


def _name(ctx: Ctx, person_id: int | None) -> str | None:
    person = ctx.s.get(Person, person_id) if person_id else None
    return person.display_name if person else None


def _by(ctx: Ctx, at: datetime | None, person_id: int | None) -> str | None:
    return None if at is None else _name(ctx, person_id) or "the operator"


def _member(ctx: Ctx, esc: Escalation) -> str | None:
    membership_id = esc.membership_id
    if membership_id is None and esc.checkin_id is not None:
        membership_id = ctx.s.scalar(select(Commitment.owner_membership_id)
                                     .join(Checkin, Checkin.commitment_id == Commitment.id)
                                     .where(Checkin.id == esc.checkin_id))
    membership = ctx.s.get(Membership, membership_id) if membership_id else None
    return membership.name if membership else None


def view(ctx: Ctx, esc: Escalation, family: Family, *, with_steps: bool = False) -> EscalationView:
    steps = [Step(n.step, n.role, _name(ctx, n.person_id) or "?", n.notified_at)
             for n in ctx.s.scalars(select(EscalationNotice).where(EscalationNotice.escalation_id == esc.id)
                                    .order_by(EscalationNotice.step, EscalationNotice.id))]
    if esc.acknowledged_at is not None:  # acknowledged by staff in chat, or (nobody's person) by the operator
        holder, holder_role = _name(ctx, esc.acknowledged_by) or "the operator", "acknowledged"
    elif steps:
        holder, holder_role = steps[-1].person, steps[-1].role
    else:
        holder, holder_role = None, None
    age = esc.resolved_at or ctx.now
    return EscalationView(
        id=esc.id, family_id=family.id, alias=family.alias, reason=esc.reason, state=esc.state,
        opened_at=esc.opened_at, age_minutes=max(0, int((age - esc.opened_at).total_seconds() // 60)),
        member=_member(ctx, esc), holder=holder, holder_role=holder_role, steps=steps if with_steps else [],
        acknowledged_at=esc.acknowledged_at, acknowledged_by=_by(ctx, esc.acknowledged_at, esc.acknowledged_by),
        resolved_at=esc.resolved_at, resolved_by=_by(ctx, esc.resolved_at, esc.resolved_by),
        resolution_note=esc.resolution_note)


def open_escalations(ctx: Ctx, actor: Actor, family_id: int | None = None) -> list[EscalationView]:
    """Open and acknowledged (not yet resolved) escalations, oldest first: of one family, or of every family
    the actor may act on (the operator: all)."""
    query = select(Escalation, Family).join(Family, Family.id == Escalation.family_id).where(
        Escalation.state != EscalationState.RESOLVED).order_by(Escalation.opened_at, Escalation.id)
    if family_id is not None:
        get_family(ctx, family_id)
        require_staff(ctx, actor, family_id, "escalation.list")
        query = query.where(Escalation.family_id == family_id)
    return [view(ctx, esc, family) for esc, family in ctx.s.execute(query).all()
            if family_id is not None or _may_see(ctx, actor, family.id)]


def _may_see(ctx: Ctx, actor: Actor, family_id: int) -> bool:
    try:
        require_staff(ctx, actor, family_id, "escalation.list")
    except Refused:
        return False
    return True


def show_escalation(ctx: Ctx, actor: Actor, escalation_id: int) -> EscalationView:
    esc = get_escalation(ctx, escalation_id)
    require_staff(ctx, actor, esc.family_id, "escalation.show")
    return view(ctx, esc, ctx.s.get_one(Family, esc.family_id), with_steps=True)
