"""The statements of asking due check-ins (bot.services.checkins.ask_due), built once: Core statements on the
tables, the claimed ids one expanding parameter. Building a statement costs more than running it for a few
hundred rows, and the ORM's row handling is not needed for plain rows.

One read gives each claimed check-in whose owner is an active member with everything its question needs
(the question, the family's and the person's words and zone, the person's newest reachable chat), and the
audit rows are written from those rows (storage.bulk.BulkInsert: at 100,000 families that is half the time
of an INSERT ... SELECT repeating the read's joins)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, any_, bindparam, func, insert, select, text, true, update
from sqlalchemy.dialects import postgresql

from bot.domain.vocabulary import CheckinState, MembershipState
from bot.services.context import Actor, Ctx
from storage.bulk import BulkInsert
from storage.models import AuditEvent, ChatIdentity, Checkin, Commitment, Family, Membership, Person
from storage.types import UTCDateTime

_checkins: Any = Checkin.__table__
_commitments: Any = Commitment.__table__
_memberships: Any = Membership.__table__
_families: Any = Family.__table__
_people: Any = Person.__table__
_chats: Any = ChatIdentity.__table__
_audit: Any = AuditEvent.__table__

ACTION = "checkin.asked"

# Up to `limit` check-ins due now marked asked, the longest due first, in one conditional update: a check-in
# another instance claimed meanwhile is not returned, so each question is sent once.
_DUE = (select(_checkins.c.id)
        .where(_checkins.c.state == CheckinState.PENDING.value, _checkins.c.asked_at.is_(None),
               _checkins.c.due_at <= bindparam("now", type_=UTCDateTime()),
               _checkins.c.grace_ends_at > bindparam("now", type_=UTCDateTime()))
        .order_by(_checkins.c.due_at).limit(bindparam("limit")))


def _claim(chosen: Any) -> Any:
    return (update(_checkins).where(chosen, _checkins.c.asked_at.is_(None),
                                    _checkins.c.state == CheckinState.PENDING.value)
            .values(asked_at=bindparam("now", type_=UTCDateTime())).returning(_checkins.c.id))


CLAIM = _claim(_checkins.c.id.in_(_DUE.scalar_subquery()))
# On PostgreSQL `id IN (subquery)` may be planned as a hash join over a scan of every check-in (28 ms at
# 100,000 check-ins); `id = ANY(ARRAY(subquery))` is always one index probe per chosen id. The chosen rows are
# locked as they are chosen, skipping those another transaction holds: two workers (bot.engine.engine) or two
# instances claiming at once each get their own check-ins instead of the second waiting for the first and
# then finding them taken.
CLAIM_POSTGRESQL = _claim(_checkins.c.id == any_(func.array(
    _DUE.with_for_update(skip_locked=True).scalar_subquery())))

# On PostgreSQL an asking transaction does not wait for its commit to reach the disk. If the server crashed
# just after, the claims, the audit rows and the questions would be lost together (one transaction) and the
# next tick would ask the same check-ins again; none of those questions can have been sent, because the
# dispatcher's own claim of a row is a durable commit, which waits for everything committed before it.
ASYNC_COMMIT = text("SET LOCAL synchronous_commit TO OFF")


def _owned(claimed: Any) -> Any:
    """The claimed check-ins whose owner is an active member with a person, oldest due first."""
    return (select(_checkins.c.id, _checkins.c.family_id)
            .join_from(_checkins, _commitments, _commitments.c.id == _checkins.c.commitment_id)
            .join(_memberships, _memberships.c.id == _commitments.c.owner_membership_id)
            .where(claimed, _memberships.c.person_id.is_not(None), _memberships.c.state == MembershipState.ACTIVE.value)
            .order_by(_checkins.c.due_at, _checkins.c.id))


_OWNED = _owned(_checkins.c.id.in_(bindparam("ids", expanding=True)))
# On PostgreSQL the ids as one array: one statement text whatever their number, so the server prepares it once,
# and one parameter to send instead of 500.
_OWNED_POSTGRESQL = _owned(_checkins.c.id == any_(bindparam("ids", type_=postgresql.ARRAY(Integer))))

# Each person's newest chat that is not blocked (None: nowhere to ask).
_NEWEST_CHAT = (select(func.max(_chats.c.id))
                .where(_chats.c.person_id == _memberships.c.person_id, _chats.c.blocked_at.is_(None))
                .scalar_subquery())

ASKED = (_OWNED.add_columns(_checkins.c.due_at, _commitments.c.question, _families.c.alias,
                            _families.c.timezone.label("family_timezone"),
                            _families.c.language.label("family_language"), _people.c.language,
                            _people.c.timezone, _people.c.discreet, _NEWEST_CHAT.label("identity_id"))
         .join(_families, _families.c.id == _checkins.c.family_id)
         .join(_people, _people.c.id == _memberships.c.person_id))

# The same on PostgreSQL, the family's words read by a lateral subquery (LIMIT 1 keeps it from being merged
# into a join): with a join the planner may hash every family (a parallel scan of 100,000 families, 30-60 ms a
# batch); this is one index probe per check-in (11-19 ms).
_FAMILY = (select(_families.c.alias, _families.c.timezone.label("family_timezone"),
                  _families.c.language.label("family_language"))
           .where(_families.c.id == _checkins.c.family_id).limit(1).lateral("family"))
ASKED_POSTGRESQL = (_OWNED_POSTGRESQL.add_columns(_checkins.c.due_at, _commitments.c.question, _FAMILY.c.alias,
                                       _FAMILY.c.family_timezone, _FAMILY.c.family_language, _people.c.language,
                                       _people.c.timezone, _people.c.discreet, _NEWEST_CHAT.label("identity_id"))
                    .join(_FAMILY, true())
                    .join(_people, _people.c.id == _memberships.c.person_id))

# ASKED's columns in order: ask_due unpacks its rows as plain tuples (an attribute of a Row costs ten times more).
ASKED_COLUMNS = ("id", "family_id", "due_at", "question", "alias", "family_timezone", "family_language", "language",
                 "timezone", "discreet", "identity_id")
if not tuple(ASKED.selected_columns.keys()) == tuple(ASKED_POSTGRESQL.selected_columns.keys()) == ASKED_COLUMNS:
    raise RuntimeError("ASKED_COLUMNS must list ASKED's columns in order")

# One `checkin.asked` event by the engine for each check-in asked (each row of ASKED), in their order.
_AUDIT = BulkInsert(_audit, ["at", "actor", "action", "outcome", "family_id", "subject", "detail"],
                    lambda table, _: insert(table))


def claim(ctx: Ctx, limit: int) -> list[int]:
    """The ids of the check-ins claimed now (CLAIM)."""
    if ctx.s.get_bind().dialect.name != "postgresql":
        return list(ctx.s.scalars(CLAIM, {"now": ctx.now, "limit": limit}))
    ctx.s.execute(ASYNC_COMMIT)
    return list(ctx.s.scalars(CLAIM_POSTGRESQL, {"now": ctx.now, "limit": limit}))


def asked(ctx: Ctx, ids: Collection[int]) -> list[tuple[Any, ...]]:
    """The rows of ASKED for these claimed check-ins, as tuples of ASKED_COLUMNS."""
    statement = ASKED_POSTGRESQL if ctx.s.get_bind().dialect.name == "postgresql" else ASKED
    return [tuple(row) for row in ctx.s.execute(statement, {"ids": list(ids)})]


def audit(ctx: Ctx, rows: Collection[tuple[Any, ...]], at: datetime) -> None:
    """The audit events of these rows of ASKED (the check-ins asked), in their order."""
    _AUDIT.execute(ctx.s.connection(), [{"family_id": row[1], "subject": f"checkin:{row[0]}"} for row in rows],
                   {"at": at, "actor": Actor.engine().label, "action": ACTION, "outcome": "ok", "detail": None})
