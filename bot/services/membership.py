"""Leaving the network (by the member) or being removed (by staff): commitments become uncovered."""

from __future__ import annotations

from functools import partial

from sqlalchemy import select, update

from bot.domain.vocabulary import MembershipState, OutboxPurpose, OutboxState, Role
from bot.services import audit, notify
from bot.services.context import Actor, Ctx
from bot.services.errors import NotFound, Refused
from bot.services.families import require_staff, staff_person
from bot.services.plans import withdraw_unasked
from messages import members, staff
from storage.models import ChatIdentity, Commitment, Family, Invite, Membership, OutboxMessage


def _uncover(ctx: Ctx, actor: Actor, membership: Membership, action: str) -> list[str]:
    family = ctx.s.get_one(Family, membership.family_id)
    membership.state, membership.left_at = MembershipState.LEFT, ctx.now
    # An unused invite dies with the membership: the old code can no longer join.
    ctx.s.execute(update(Invite).where(Invite.membership_id == membership.id, Invite.used_at.is_(None),
                                       Invite.expires_at > ctx.now).values(expires_at=ctx.now))
    if membership.person_id is not None:  # routine messages still held for them are not sent any more
        identities = select(ChatIdentity.id).where(ChatIdentity.person_id == membership.person_id)
        ctx.s.execute(update(OutboxMessage).where(
            OutboxMessage.family_id == family.id, OutboxMessage.identity_id.in_(identities),
            OutboxMessage.state == OutboxState.PENDING).values(state=OutboxState.FAILED, last_error="left the network"),
            execution_options={"synchronize_session": False})
    uncovered = []
    for c in ctx.s.scalars(select(Commitment).where(Commitment.owner_membership_id == membership.id,
                                                    Commitment.active.is_(True))):
        c.uncovered_since = ctx.now
        uncovered.append(c.text)
        withdraw_unasked(ctx, c, stopping=True)
    audit.record(ctx, actor, action, family_id=family.id, subject=f"membership:{membership.id}")
    caseworker = staff_person(ctx, family.id, Role.CASEWORKER)
    if caseworker:
        notify.to_person(ctx, caseworker, family,
                         lambda tr: staff.member_left_notice(tr, family.alias, membership.name, uncovered),
                         key=f"left:{membership.id}:{ctx.now:%Y%m%dT%H%M%S}", purpose=OutboxPurpose.MEMBER_LEFT)
    return uncovered


NETWORK_ROLES = (Role.PARENT, Role.KEY_SAFETY_PERSON, Role.SUPPORTER)


def networks_of(ctx: Ctx, person_id: int) -> list[Family]:
    """The families whose safety network this person is in now (what /stop would leave)."""
    return list(ctx.s.scalars(select(Family).join(Membership, Membership.family_id == Family.id).where(
        Membership.person_id == person_id, Membership.state == MembershipState.ACTIVE,
        Membership.role.in_(NETWORK_ROLES)).order_by(Membership.id)))


def leave(ctx: Ctx, actor: Actor) -> list[Family]:
    """The member leaves every network they are in (what /stop does once they confirm)."""
    if actor.person_id is None:
        raise Refused("not_member", "only a member can leave")
    families = []
    for m in ctx.s.scalars(select(Membership).where(Membership.person_id == actor.person_id,
                                                    Membership.state == MembershipState.ACTIVE,
                                                    Membership.role.in_(NETWORK_ROLES))):
        _uncover(ctx, actor, m, "membership.leave")
        family = ctx.s.get_one(Family, m.family_id)
        families.append(family)
        notify.to_person(ctx, actor.person_id, family, partial(members.left, alias=family.alias),
                         key=f"left-reply:{m.id}:{ctx.now:%Y%m%dT%H%M%S}", purpose=OutboxPurpose.REPLY)
    return families


def remove_member(ctx: Ctx, actor: Actor, family_id: int, name: str) -> list[str]:
    require_staff(ctx, actor, family_id, "membership.remove")
    m = ctx.s.scalar(select(Membership).where(Membership.family_id == family_id, Membership.name == name,
                                              Membership.state.in_([MembershipState.ACTIVE, MembershipState.INVITED])))
    if m is None or Role(m.role).is_staff:
        raise NotFound("no_member", f"no network member called {name!r} in this family")
    return _uncover(ctx, actor, m, "membership.remove")
