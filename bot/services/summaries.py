"""Strength-based summaries: each member's weekly thank-you and each caseworker's daily picture."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.domain.hours import WEEKDAYS
from bot.domain.routing import is_away
from bot.domain.schedule import localize, parse_hhmm
from bot.domain.vocabulary import CheckinState, EscalationState, MembershipState, OutboxPurpose, Role
from bot.services import notify, reviews
from bot.services.context import Ctx
from messages import render
from storage.models import Checkin, Commitment, Escalation, Family, Meeting, Membership, Person, SweepMark
from storage.upsert import insert_ignore

ANSWERED = (CheckinState.DONE, CheckinState.NOT_DONE, CheckinState.WORRIED, CheckinState.MISSED)


def mark_once(ctx: Ctx, name: str) -> bool:
    """True the first time a (job, period) is claimed, across restarts and instances."""
    return insert_ignore(ctx.s, SweepMark.__table__, {"name": name[:120], "at": ctx.now}, ["name"]) is not None  # type: ignore[arg-type]


def last_weekly_moment(now: datetime, tz_name: str, spec: str) -> datetime:
    """The latest "SU 18:00" (in the family's zone) at or before now."""
    day_txt, _, hhmm = spec.strip().partition(" ")
    weekday, at = WEEKDAYS.index(day_txt.upper()), parse_hhmm(hhmm)
    tz = ZoneInfo(tz_name)
    local = now.astimezone(tz)
    d = local.date() - timedelta(days=(local.weekday() - weekday) % 7)
    moment = localize(datetime.combine(d, at), tz)
    return moment if moment <= now else localize(datetime.combine(d - timedelta(days=7), at), tz)


def next_weekly_moment(now: datetime, tz_name: str, spec: str) -> datetime:
    """The first "SU 18:00" (in the family's zone) after now."""
    day_txt, _, hhmm = spec.strip().partition(" ")
    weekday, at = WEEKDAYS.index(day_txt.upper()), parse_hhmm(hhmm)
    tz = ZoneInfo(tz_name)
    local = now.astimezone(tz)
    d = local.date() + timedelta(days=(weekday - local.weekday()) % 7)
    moment = localize(datetime.combine(d, at), tz)
    return moment if moment > now else localize(datetime.combine(d + timedelta(days=7), at), tz)


def next_daily_moment(now: datetime, tz_name: str, hhmm: str) -> datetime:
    tz = ZoneInfo(tz_name)
    d: date = now.astimezone(tz).date()
    moment = localize(datetime.combine(d, parse_hhmm(hhmm)), tz)
    return moment if moment > now else localize(datetime.combine(d + timedelta(days=1), parse_hhmm(hhmm)), tz)


def last_daily_moment(now: datetime, tz_name: str, hhmm: str) -> datetime:
    tz = ZoneInfo(tz_name)
    d: date = now.astimezone(tz).date()
    moment = localize(datetime.combine(d, parse_hhmm(hhmm)), tz)
    return moment if moment <= now else localize(datetime.combine(d - timedelta(days=1), parse_hhmm(hhmm)), tz)


def already_marked(ctx: Ctx, names: list[str]) -> set[str]:
    """Which of these (job, period) marks exist: one query, so an idle sweep stays cheap."""
    if not names:
        return set()
    return set(ctx.s.scalars(select(SweepMark.name).where(SweepMark.name.in_(names))))


def _weekly_due(ctx: Ctx) -> list[tuple[Family, datetime, str]]:
    """The families whose weekly thank-you is due now and not yet sent, each with its moment and mark."""
    due: list[tuple[Family, datetime, str]] = []
    for family in ctx.s.scalars(select(Family)):
        moment = last_weekly_moment(ctx.now, family.timezone, ctx.settings.weekly_summary)
        if ctx.now - moment <= timedelta(hours=24):
            due.append((family, moment, f"weekly:{family.id}:{moment:%Y-%m-%d}"))
    done = already_marked(ctx, [name for _, _, name in due])
    return [item for item in due if item[2] not in done]


def next_weekly_thanks(ctx: Ctx) -> datetime | None:
    """Now if a weekly thank-you is due and unsent; else the next weekly moment in any family's zone."""
    if _weekly_due(ctx):
        return ctx.now
    zones = ctx.s.scalars(select(Family.timezone).distinct())
    return min((next_weekly_moment(ctx.now, tz, ctx.settings.weekly_summary) for tz in zones), default=None)


def weekly_thanks(ctx: Ctx) -> int:
    sent = 0
    for family, moment, name in _weekly_due(ctx):
        if not mark_once(ctx, name):
            continue
        for m in ctx.s.scalars(select(Membership).where(Membership.family_id == family.id,
                                                        Membership.state == MembershipState.ACTIVE,
                                                        Membership.person_id.is_not(None))):
            if Role(m.role).is_staff:
                continue
            rows = list(ctx.s.scalars(select(Checkin.state).join(Commitment, Commitment.id == Checkin.commitment_id)
                                      .where(Commitment.owner_membership_id == m.id,
                                             Checkin.due_at >= moment - timedelta(days=7), Checkin.due_at < moment,
                                             Checkin.state.in_(ANSWERED))))
            if not rows:
                continue
            kept, total, alias = sum(1 for s in rows if s == CheckinState.DONE), len(rows), family.alias
            notify.to_person(ctx, m.person_id, family,  # type: ignore[arg-type]
                             partial(render.weekly_thanks, alias=alias, kept=kept, total=total),
                             key=f"weekly:{m.id}:{moment:%Y-%m-%d}", purpose=OutboxPurpose.WEEKLY_THANKS)
            sent += 1
    return sent


def _section(ctx: Ctx, family: Family, since: datetime, until: datetime) -> render.SummarySection:
    """One family's facts for a daily summary, gathered before rendering (the words need no database)."""
    names = {m.id: m.name for m in ctx.s.scalars(select(Membership).where(Membership.family_id == family.id))}
    went_well = ctx.s.scalar(select(func.count()).select_from(Checkin).where(
        Checkin.family_id == family.id, Checkin.state == CheckinState.DONE,
        Checkin.due_at >= since, Checkin.due_at < until)) or 0
    misses = [(names.get(commitment.owner_membership_id, ""), commitment.text, checkin.due_at)
              for checkin, commitment in ctx.s.execute(select(Checkin, Commitment).join(
                  Commitment, Commitment.id == Checkin.commitment_id).where(
                  Checkin.family_id == family.id, Checkin.state == CheckinState.MISSED,
                  Commitment.bottom_line_id.is_(None), Checkin.due_at >= since, Checkin.due_at < until)
                  .order_by(Checkin.due_at))]
    uncovered = [(c.text, names.get(c.owner_membership_id, "")) for c in ctx.s.scalars(select(Commitment).where(
        Commitment.family_id == family.id, Commitment.active.is_(True), Commitment.uncovered_since.is_not(None)))]
    open_count = ctx.s.scalar(select(func.count()).select_from(Escalation).where(
        Escalation.family_id == family.id, Escalation.state != EscalationState.RESOLVED)) or 0
    meetings = [(m.kind, m.starts_at) for m in ctx.s.scalars(select(Meeting).where(
        Meeting.family_id == family.id, Meeting.cancelled.is_(False), Meeting.starts_at > ctx.now,
        Meeting.starts_at <= ctx.now + timedelta(days=7)).order_by(Meeting.starts_at))]
    # Reviews due soon or overdue (bot.services.reviews): one fact list, kept apart from the rest.
    return render.SummarySection(family.alias, went_well, misses, uncovered, open_count, meetings,
                                 reviews.summary_facts(ctx, family))


def _caseworkers(ctx: Ctx) -> list[tuple[Person, list[Family], str]]:
    """Every caseworker with their families and the time zone their summary follows. An away caseworker's
    families are in their cover's summary instead (with no cover: nobody's); the away one gets none."""
    rows = ctx.s.execute(select(Person, Family).join(Membership, Membership.person_id == Person.id)
                         .join(Family, Family.id == Membership.family_id)
                         .where(Membership.role == Role.CASEWORKER, Membership.state == MembershipState.ACTIVE)
                         .order_by(Person.id, Family.id)).all()
    by_person: dict[int, tuple[Person, list[Family]]] = {}
    for person, family in rows:
        holder: Person | None = person
        if is_away(person.away_until, ctx.now):
            holder = ctx.s.get(Person, person.cover_person_id) if person.cover_person_id else None
        if holder is not None and family not in by_person.setdefault(holder.id, (holder, []))[1]:
            by_person[holder.id][1].append(family)
    return [(person, families, notify.person_timezone(person, families[0]))
            for person, families in by_person.values()]


def _daily_due(ctx: Ctx, staff: list[tuple[Person, list[Family], str]]
               ) -> list[tuple[Person, list[Family], str, datetime]]:
    """The caseworkers whose daily summary is due now and not yet sent."""
    due: list[tuple[Person, list[Family], str, datetime]] = []
    for person, families, tz in staff:
        moment = last_daily_moment(ctx.now, tz, person.summary_time)
        if ctx.now - moment <= timedelta(hours=12):
            due.append((person, families, tz, moment))
    done = already_marked(ctx, [f"daily:{p.id}:{m:%Y-%m-%d}" for p, _, _, m in due])
    return [item for item in due if f"daily:{item[0].id}:{item[3]:%Y-%m-%d}" not in done]


def next_daily_summary(ctx: Ctx) -> datetime | None:
    """Now if a daily summary is due and unsent; else the next summary time of any caseworker."""
    staff = _caseworkers(ctx)
    if _daily_due(ctx, staff):
        return ctx.now
    times = {(tz, person.summary_time) for person, _, tz in staff}
    return min((next_daily_moment(ctx.now, tz, hhmm) for tz, hhmm in times), default=None)


def daily_summaries(ctx: Ctx) -> int:
    sent = 0
    for person, families, tz, moment in _daily_due(ctx, _caseworkers(ctx)):
        if not mark_once(ctx, f"daily:{person.id}:{moment:%Y-%m-%d}"):
            continue

        sections = [_section(ctx, f, moment - timedelta(days=1), moment) for f in families]
        notify.to_person(ctx, person.id, families[0], partial(render.daily_summary, sections=sections, tz=tz),
                         key=f"daily:{person.id}:{moment:%Y-%m-%d}", purpose=OutboxPurpose.DAILY_SUMMARY)
        sent += 1
    return sent
