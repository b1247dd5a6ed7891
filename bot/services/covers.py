"""Staff away with a cover. Each away period is a row with its start and its end (a cover always has an
end); when it starts, the away caseworker's families route to the cover (or the duty team) and their
members are told who is covering and until when (role and first name only); it ends by itself at its end.
Alerts and summaries follow the person's routing state (bot.services.families.staff_on_call,
bot.services.summaries)."""

from __future__ import annotations

from datetime import datetime
from functools import partial

from sqlalchemy import func, select

from bot.domain.vocabulary import STAFF_ROLES, JobKind, MembershipState, OutboxPurpose, Role
from bot.services import audit, jobs, notify
from bot.services.context import Actor, Ctx
from bot.services.errors import InvalidInput, Refused
from bot.services.people import ensure_person
from messages import members as texts
from messages.catalog import Translator
from messages.outbound import OutboundMessage
from storage.models import Family, Membership, Person, StaffCover

BATCH = 200


def _is_staff_somewhere(ctx: Ctx, person_id: int) -> bool:
    return ctx.s.scalar(select(Membership.id).where(
        Membership.person_id == person_id, Membership.state == MembershipState.ACTIVE,
        Membership.role.in_([r.value for r in STAFF_ROLES])).limit(1)) is not None


def set_away(ctx: Ctx, actor: Actor, address: str, until: datetime | None, cover: str | None,
             starts: datetime | None = None) -> Person:
    """Away from `starts` (now if not given) until `until`, `cover` (an address) holding their families
    meanwhile; `until` None with no cover: back now. A cover with no end, an end not after the start, or a
    period overlapping one already planned is refused and changes nothing."""
    person = ensure_person(ctx, address)
    if actor.person_id is not None and actor.person_id != person.id:
        raise Refused("not_self", "you can only mark yourself away", subject="staff.away")
    if until is None:
        if cover:
            raise InvalidInput("cover_needs_end", "a cover needs an end date: say until when you are away")
        _back(ctx, actor, person)
        return person
    start = max(starts or ctx.now, ctx.now)
    if until <= start:
        raise InvalidInput("bad_period", "the end of the away period must be after its start")
    cover_person = ensure_person(ctx, cover) if cover else None
    if cover_person is not None and (cover_person.id == person.id or not _is_staff_somewhere(ctx, cover_person.id)):
        raise InvalidInput("cover_not_staff", "the cover must be agency staff (a caseworker, supervisor or duty "
                                              "contact of some family)")
    if ctx.s.scalar(select(StaffCover.id).where(
            StaffCover.person_id == person.id, StaffCover.ended_at.is_(None), StaffCover.starts_at < until,
            StaffCover.ends_at > start).limit(1)) is not None:
        raise InvalidInput("cover_overlaps", "this away period overlaps one already planned: end or change "
                                             "that one first")
    row = StaffCover(person_id=person.id, cover_person_id=cover_person.id if cover_person else None,
                     starts_at=start, ends_at=until, created_at=ctx.now)
    ctx.s.add(row)
    ctx.s.flush()
    audit.record(ctx, actor, "staff.away", subject=f"person:{person.id}", detail=f"until {until.isoformat()}")
    if start <= ctx.now:
        _start(ctx, row)
    return person


def _back(ctx: Ctx, actor: Actor, person: Person) -> None:
    for row in ctx.s.scalars(select(StaffCover).where(StaffCover.person_id == person.id,
                                                      StaffCover.ended_at.is_(None))):
        row.ended_at = ctx.now
        row.started_at = row.started_at or ctx.now
    _summaries_follow(ctx, person.id, person.cover_person_id)
    person.away_until, person.cover_person_id = None, None
    audit.record(ctx, actor, "staff.away", subject=f"person:{person.id}", detail="back")


def _start(ctx: Ctx, row: StaffCover) -> None:
    """The period begins: the routing state is set and each affected family's members are told."""
    person = ctx.s.get_one(Person, row.person_id)
    person.away_until, person.cover_person_id = row.ends_at, row.cover_person_id
    row.started_at = ctx.now
    _summaries_follow(ctx, person.id, row.cover_person_id)
    cover = ctx.s.get(Person, row.cover_person_id) if row.cover_person_id else None
    first_name = cover.display_name.split()[0] if cover is not None and cover.display_name.split() else None
    for family in ctx.s.scalars(select(Family).join(Membership, Membership.family_id == Family.id).where(
            Membership.person_id == person.id, Membership.role == Role.CASEWORKER,
            Membership.state == MembershipState.ACTIVE)):
        for m in ctx.s.scalars(select(Membership).where(
                Membership.family_id == family.id, Membership.state == MembershipState.ACTIVE,
                Membership.person_id.is_not(None), Membership.role.not_in([r.value for r in STAFF_ROLES]))):
            member = ctx.s.get_one(Person, m.person_id)
            until = row.ends_at
            notify.to_person(ctx, member.id, family, partial(
                _told, alias=family.alias, name=first_name, until=until, zone=notify.person_timezone(member, family)),
                key=f"cover:{row.id}:{m.id}", purpose=OutboxPurpose.COVER_STARTED)
    audit.record(ctx, Actor.engine(), "staff.cover_start", subject=f"person:{person.id}")


def _told(tr: Translator, *, alias: str, name: str | None, until: datetime, zone: str) -> OutboundMessage:
    return texts.cover_started(tr, alias, name, tr.when(until, zone))


def start_due(ctx: Ctx) -> int:
    rows = list(ctx.s.scalars(select(StaffCover).where(StaffCover.started_at.is_(None),
                                                       StaffCover.starts_at <= ctx.now).limit(BATCH)))
    for row in rows:
        if row.ends_at <= ctx.now:
            row.started_at = row.ended_at = ctx.now  # the whole period passed while the bot was down
            continue
        _start(ctx, row)
    return len(rows)


def end_due(ctx: Ctx) -> int:
    """Periods whose end has come: the person is back (routing already ends by itself at away_until)."""
    rows = list(ctx.s.scalars(select(StaffCover).where(StaffCover.ended_at.is_(None),
                                                       StaffCover.ends_at <= ctx.now).limit(BATCH)))
    for row in rows:
        row.ended_at = ctx.now
        person = ctx.s.get_one(Person, row.person_id)
        _summaries_follow(ctx, person.id, row.cover_person_id)
        if person.away_until == row.ends_at:
            person.away_until, person.cover_person_id = None, None
        audit.record(ctx, Actor.engine(), "staff.cover_end", subject=f"person:{person.id}")
    return len(rows)


# When the cover sweeps next have work (the engine's "when next"): the next period to start, to end.
NEXT_START = select(func.min(StaffCover.starts_at)).where(StaffCover.started_at.is_(None))
NEXT_END = select(func.min(StaffCover.ends_at)).where(StaffCover.ended_at.is_(None))


def _summaries_follow(ctx: Ctx, *person_ids: int | None) -> None:
    """Who gets which family's daily summary has changed: their summary jobs look again now."""
    for person_id in person_ids:
        if person_id is not None:
            jobs.touch(ctx, JobKind.DAILY_SUMMARY, person_id)
