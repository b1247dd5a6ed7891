"""A family's review dates: its framework and region (set by staff), the meetings that took place, the dates
that follow from them (bot.domain.timescales) or that staff set, and the plan's own review_by. Overdue
reviews show in the caseworker's summary and are told once to the supervisor (found by `report_at`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.domain import timescales
from bot.domain.schedule import localize
from bot.domain.vocabulary import OutboxPurpose, Role
from bot.services import audit, notify
from bot.services.context import Actor, Ctx
from bot.services.errors import InvalidInput
from bot.services.families import get_family, require_open, require_staff, staff_person
from messages import reviews as texts
from storage.models import Family, ReviewDate, ReviewSchedule

BATCH = 200
SOON = timedelta(days=14)  # the summary shows reviews due within this


def today_in(family: Family, now: datetime) -> date:
    return now.astimezone(ZoneInfo(family.timezone)).date()


def overdue_at(family: Family, due_on: date) -> datetime:
    """The moment a review due by `due_on` is overdue: the start of the next day in the family's zone."""
    return localize(datetime.combine(due_on + timedelta(days=1), time(0, 0)), ZoneInfo(family.timezone)).astimezone(UTC)


@dataclass(frozen=True)
class Choice:
    framework: timescales.Framework
    region: str


def _choice(ctx: Ctx, family: Family, framework: str | None, region: str | None) -> Choice:
    current = ctx.s.get(ReviewSchedule, family.id)
    name = framework or (current.framework if current else None)
    if not name:
        raise InvalidInput("no_framework", "set the family's framework first, e.g. --framework "
                                           f"{timescales.ENGLAND_CHILD_PROTECTION.name}", family_id=family.id)
    try:
        fw = timescales.framework(name)
        chosen = timescales.check_region(region or (current.region if current else fw.default_region))
    except ValueError as exc:
        reason = "bad_region" if region and "region" in str(exc) else "bad_framework"
        raise InvalidInput(reason, str(exc), family_id=family.id) from None
    return Choice(fw, chosen)


def _check_dates(fw: timescales.Framework, held: Mapping[str, date], due: Mapping[str, date], today: date) -> None:
    for kind in (*held, *due):
        if kind not in fw.kinds:
            raise InvalidInput("bad_kind", f"{kind!r} is not a meeting of {fw.name}: use one of {', '.join(fw.kinds)}")
    for kind, day in held.items():
        if day > today:
            raise InvalidInput("held_in_future", f"{kind} cannot have taken place on {day}: that is in the future")
    for kind, day in due.items():
        if kind == fw.start:
            raise InvalidInput("bad_kind", f"{kind} starts the framework: record when it took place with --held")
        if day < today:
            raise InvalidInput("date_in_past", f"{kind} cannot be due on {day}: that date has passed "
                                               f"(record a meeting that took place with --held)")


def _rows(ctx: Ctx, family_id: int, kind: str | None = None) -> list[ReviewDate]:
    q = select(ReviewDate).where(ReviewDate.family_id == family_id)
    if kind is not None:
        q = q.where(ReviewDate.kind == kind)
    return list(ctx.s.scalars(q.order_by(ReviewDate.kind, ReviewDate.number)))


def _pending(ctx: Ctx, family_id: int, kind: str) -> ReviewDate | None:
    return next((r for r in _rows(ctx, family_id, kind) if r.held_on is None), None)


def _record_held(ctx: Ctx, family_id: int, kind: str, day: date) -> None:
    row = _pending(ctx, family_id, kind)
    if row is None:
        number = (ctx.s.scalar(select(func.max(ReviewDate.number)).where(
            ReviewDate.family_id == family_id, ReviewDate.kind == kind)) or 0) + 1
        row = ReviewDate(family_id=family_id, kind=kind, number=number, overridden=False)
        ctx.s.add(row)
    row.held_on = day


def _recompute(ctx: Ctx, family: Family, choice: Choice) -> None:
    held: dict[str, list[date]] = {}
    for r in _rows(ctx, family.id):
        if r.held_on is not None:
            held.setdefault(r.kind, []).append(r.held_on)
    existing = {(r.kind, r.number): r for r in _rows(ctx, family.id)}
    for due in timescales.next_due(choice.framework, held, choice.region):
        row = existing.get((due.kind, due.number))
        if row is None:
            row = ReviewDate(family_id=family.id, kind=due.kind, number=due.number, overridden=False)
            ctx.s.add(row)
        if row.held_on is None and not row.overridden:
            row.due_on = due.due_on
    ctx.s.flush()


def _refresh_reports(ctx: Ctx, family: Family) -> None:
    """Each review not yet held is to be reported when it becomes overdue (once per date it has)."""
    for r in _rows(ctx, family.id):
        if r.held_on is not None or r.due_on is None:
            r.report_at = None
        elif r.reported_at is None or r.reported_at < overdue_at(family, r.due_on):
            r.report_at, r.reported_at = overdue_at(family, r.due_on), None


def set_reviews(ctx: Ctx, actor: Actor, family_id: int, *, framework: str | None = None, region: str | None = None,
                held: Mapping[str, date] | None = None, due: Mapping[str, date] | None = None) -> list[ReviewDate]:
    """Set the framework and region, record meetings that took place (`held`) and set upcoming dates by hand
    (`due`, overriding the framework's). Everything is checked before anything changes."""
    family = get_family(ctx, family_id)
    require_staff(ctx, actor, family.id, "review.set")
    require_open(ctx, family.id)
    held, due = dict(held or {}), dict(due or {})
    choice = _choice(ctx, family, framework, region)
    _check_dates(choice.framework, held, due, today_in(family, ctx.now))
    schedule = ctx.s.get(ReviewSchedule, family.id)
    if schedule is None:
        schedule = ReviewSchedule(family_id=family.id, framework=choice.framework.name, region=choice.region,
                                  updated_at=ctx.now)
        ctx.s.add(schedule)
    schedule.framework, schedule.region, schedule.updated_at = choice.framework.name, choice.region, ctx.now
    for kind in choice.framework.kinds:  # in the framework's order, so a meeting's followers see it
        if kind in held:
            _record_held(ctx, family.id, kind, held[kind])
            ctx.s.flush()
    _recompute(ctx, family, choice)
    for kind, day in due.items():
        row = _pending(ctx, family.id, kind)
        if row is None:
            raise InvalidInput("nothing_due", f"no {kind} is due yet: record the meeting it follows with --held")
        row.due_on, row.overridden = day, True
    _refresh_reports(ctx, family)
    audit.record(ctx, actor, "review.set", family_id=family.id, subject=f"family:{family.id}",
                 detail=f"{choice.framework.name} {choice.region}")
    return _rows(ctx, family.id)


def sync_plan_review(ctx: Ctx, family: Family, review_by: date | None) -> None:
    """The plan's review_by as a review date of its own (kind plan_review), so it is reported like the rest."""
    row = ctx.s.scalar(select(ReviewDate).where(ReviewDate.family_id == family.id,
                                                ReviewDate.kind == timescales.PLAN_REVIEW))
    if row is None and review_by is None:
        return
    if row is None:
        row = ReviewDate(family_id=family.id, kind=timescales.PLAN_REVIEW, number=1, overridden=False)
        ctx.s.add(row)
    if row.due_on != review_by:
        row.due_on, row.held_on, row.reported_at = review_by, None, None
    row.report_at = overdue_at(family, review_by) if review_by and row.reported_at is None else None


@dataclass(frozen=True)
class Shown:
    family_id: int
    alias: str
    framework: str | None
    region: str | None
    rows: list[tuple[str, int, date | None, date | None, bool]]  # kind, number, due on, held on, overridden
    today: date


def show(ctx: Ctx, actor: Actor, family_id: int) -> Shown:
    family = get_family(ctx, family_id)
    require_staff(ctx, actor, family.id, "review.show")
    schedule = ctx.s.get(ReviewSchedule, family.id)
    return Shown(family.id, family.alias, schedule.framework if schedule else None,
                 schedule.region if schedule else None,
                 [(r.kind, r.number, r.due_on, r.held_on, r.overridden) for r in _rows(ctx, family.id)],
                 today_in(family, ctx.now))


def summary_facts(ctx: Ctx, family: Family) -> list[tuple[str, date, bool]]:
    """For the caseworker's daily summary: (kind, due on, overdue) of each review not yet held that is
    overdue or due within two weeks, soonest first."""
    today = today_in(family, ctx.now)
    rows = ctx.s.execute(select(ReviewDate.kind, ReviewDate.due_on).where(
        ReviewDate.family_id == family.id, ReviewDate.held_on.is_(None), ReviewDate.due_on.is_not(None),
        ReviewDate.due_on <= today + SOON).order_by(ReviewDate.due_on)).all()
    return [(kind, due_on, due_on < today) for kind, due_on in rows if due_on is not None]


# --- the sweep: overdue reviews, told once to the supervisor ------------------------------------------------

def report_overdue(ctx: Ctx) -> int:
    told = 0
    for row in ctx.s.scalars(select(ReviewDate).where(ReviewDate.report_at <= ctx.now)
                             .order_by(ReviewDate.report_at).limit(BATCH)):
        row.report_at, row.reported_at = None, ctx.now
        family = ctx.s.get_one(Family, row.family_id)
        to = staff_person(ctx, family.id, Role.SUPERVISOR) or staff_person(ctx, family.id, Role.CASEWORKER)
        if row.held_on is not None or row.due_on is None or to is None:
            continue
        notify.to_person(ctx, to, family, partial(texts.review_overdue, alias=family.alias, kind=row.kind,
                                                  due_on=row.due_on),
                         key=f"review-overdue:{row.id}:{row.due_on:%Y%m%d}", purpose=OutboxPurpose.REVIEW_OVERDUE)
        audit.record(ctx, Actor.engine(), "review.overdue_reported", family_id=family.id,
                     subject=f"review:{row.id}", detail=f"person:{to}")
        told += 1
    return told


# When the overdue-review sweep next has work (the engine's "when next"): one indexed MIN().
NEXT_OVERDUE_REPORT = select(func.min(ReviewDate.report_at))
