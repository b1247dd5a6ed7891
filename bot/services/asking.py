"""The reads of asking due check-ins (bot.services.checkins.ask_due), built once: Core statements on the
tables, each list of ids one expanding parameter. Building and caching a statement costs more than running it
for a few hundred rows, and the ORM's row handling is not needed for plain rows."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import Row, bindparam, select

from bot.domain.vocabulary import MembershipState
from bot.services.context import Ctx
from storage.models import Checkin, Commitment, Family, Membership, Person

_checkins: Any = Checkin.__table__
_commitments: Any = Commitment.__table__
_memberships: Any = Membership.__table__
_families: Any = Family.__table__
_people: Any = Person.__table__

# The claimed check-ins whose owner is an active member with a person, with their questions, oldest due first.
ASKED = (select(_checkins.c.id, _checkins.c.family_id, _checkins.c.due_at, _commitments.c.question,
                _memberships.c.person_id)
         .join_from(_checkins, _commitments, _commitments.c.id == _checkins.c.commitment_id)
         .join(_memberships, _memberships.c.id == _commitments.c.owner_membership_id)
         .where(_checkins.c.id.in_(bindparam("ids", expanding=True)), _memberships.c.person_id.is_not(None),
                _memberships.c.state == MembershipState.ACTIVE.value)
         .order_by(_checkins.c.due_at, _checkins.c.id))
FAMILIES = (select(_families.c.id, _families.c.alias, _families.c.timezone, _families.c.language)
            .where(_families.c.id.in_(bindparam("ids", expanding=True))))
PEOPLE = (select(_people.c.id, _people.c.language, _people.c.timezone, _people.c.discreet)
          .where(_people.c.id.in_(bindparam("ids", expanding=True))))


def asked(ctx: Ctx, ids: Collection[int]) -> list[Row[Any]]:
    return list(ctx.s.execute(ASKED, {"ids": list(ids)}))


def by_id(ctx: Ctx, statement: Any, ids: Collection[int]) -> dict[int, Row[Any]]:
    return {row.id: row for row in ctx.s.execute(statement, {"ids": list(ids)})}
