"""A member has joined (accepted an invite and consented): what follows, wherever they joined from.
Their commitments are covered again and sent to them, they are invited to meetings already planned,
and the caseworker is told. Someone who said no: the caseworker is told."""

from __future__ import annotations

from bot.domain.vocabulary import OutboxPurpose, Role
from bot.services import notify
from bot.services.context import Ctx
from bot.services.families import staff_person
from bot.services.meetings import invite_to_upcoming
from bot.services.plans import send_commitments, uncover_restore
from messages import members, staff
from storage.models import Family, Membership


def welcome(ctx: Ctx, membership: Membership, family: Family, person_id: int, *, invite_id: int) -> None:
    notify.to_person(ctx, person_id, family, lambda tr: members.joined(tr, family.alias),
                     key=f"joined:{membership.id}:{invite_id}", purpose=OutboxPurpose.JOINED)
    uncover_restore(ctx, membership)
    send_commitments(ctx, membership, family, changed=False, key=f"commitments:{membership.id}:join:{invite_id}")
    invite_to_upcoming(ctx, family, membership)
    caseworker = staff_person(ctx, family.id, Role.CASEWORKER)
    if caseworker:
        notify.to_person(ctx, caseworker, family,
                         lambda tr: staff.member_joined_notice(tr, family.alias, membership.name),
                         key=f"joined-staff:{membership.id}:{invite_id}", purpose=OutboxPurpose.MEMBER_JOINED)


def declined(ctx: Ctx, membership: Membership, family: Family, *, invite_id: int) -> None:
    """Someone said no at consent: the caseworker is told who (never why: nobody asks)."""
    caseworker = staff_person(ctx, family.id, Role.CASEWORKER)
    if caseworker:
        notify.to_person(ctx, caseworker, family,
                         lambda tr: staff.member_declined_notice(tr, family.alias, membership.name),
                         key=f"declined-staff:{membership.id}:{invite_id}", purpose=OutboxPurpose.MEMBER_DECLINED)
