"""Strength-based summaries: each member's weekly thank-you and each caseworker's daily picture."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.domain.hours import WEEKDAYS
from bot.domain.routing import is_away
from bot.domain.schedule import localize, parse_hhmm
from bot.domain.vocabulary import CheckinState, EscalationState, JobKind, MembershipState, OutboxPurpose, Role
from bot.services import handover, jobs, notify, reviews
from bot.services.context import Ctx
from bot.services.day_facts import day_facts
from messages import render
from storage.models import (
    ChatIdentity,
    Checkin,
    Commitment,
    Escalation,
    Family,
    Meeting,
    Membership,
    OutboxMessage,
    Person,
    SweepMark,
)
from storage.upsert import insert_ignore

ANSWERED = (CheckinState.DONE, CheckinState.NOT_DONE, CheckinState.WORRIED, CheckinState.MISSED)
MAX_WINDOW = timedelta(days=14)  # the longest span one daily summary covers


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


def weekly_thanks(ctx: Ctx, limit: int) -> int:
    """The families whose weekly moment came (their job is due): each member is thanked once for the week;
    after a downtime of more than a day the week is skipped. Returns the jobs run."""
    spec = ctx.settings.weekly_summary
    ran = 0
    for family_id, was in jobs.within(jobs.due(ctx, JobKind.WEEKLY_THANKS, limit)):
        ran += 1
        family = ctx.s.get(Family, family_id)
        if family is None:
            jobs.settle(ctx, JobKind.WEEKLY_THANKS, family_id, was, None)
            continue
        moment = last_weekly_moment(ctx.now, family.timezone, spec)
        if ctx.now - moment <= timedelta(hours=24) and mark_once(ctx, f"weekly:{family.id}:{moment:%Y-%m-%d}"):
            _thank_members(ctx, family, moment)
        jobs.settle(ctx, JobKind.WEEKLY_THANKS, family_id, was, next_weekly_moment(ctx.now, family.timezone, spec))
    return ran


RUN_WEEKS = 8  # how far back a run of good weeks is looked for


def _strengths(ctx: Ctx, membership_id: int, moment: datetime) -> tuple[list[render.Kept], int] | None:
    """What a member kept in the week to `moment` (each commitment once, with how many times it was done) and
    how many weeks in a row, this one included, they kept every question they answered or missed; a worry
    is never a failure. None: nothing was asked of them this week."""
    since = moment - timedelta(days=7 * RUN_WEEKS)
    rows = ctx.s.execute(select(Commitment.id, Commitment.text, Checkin.state, Checkin.due_at)
                         .join(Commitment, Commitment.id == Checkin.commitment_id)
                         .where(Commitment.owner_membership_id == membership_id, Checkin.due_at >= since,
                                Checkin.due_at < moment, Checkin.state.in_(ANSWERED))
                         .order_by(Checkin.due_at)).all()
    weeks: dict[int, list[str]] = {}
    kept: dict[int, tuple[str, int]] = {}
    for commitment_id, text, state, due_at in rows:
        back = int((moment - due_at) // timedelta(days=7))  # 0: this week
        weeks.setdefault(back, []).append(state)
        if back == 0 and state == CheckinState.DONE:
            kept[commitment_id] = (text, kept.get(commitment_id, (text, 0))[1] + 1)
    if 0 not in weeks:
        return None
    run = 0
    for back in range(RUN_WEEKS):
        states = weeks.get(back, [])
        if CheckinState.DONE not in states or any(st in (CheckinState.NOT_DONE, CheckinState.MISSED)
                                                   for st in states):
            break
        run += 1
    return [render.Kept(text, times) for text, times in kept.values()], run


def _thank_members(ctx: Ctx, family: Family, moment: datetime) -> None:
    """Each member who was asked something this week is thanked for what they kept; the caseworker (or the
    worker covering) gets the same strengths for the family in one message."""
    shared: list[tuple[str, list[render.Kept], int]] = []
    for m in ctx.s.scalars(select(Membership).where(Membership.family_id == family.id,
                                                    Membership.state == MembershipState.ACTIVE,
                                                    Membership.person_id.is_not(None))):
        found = None if Role(m.role).is_staff else _strengths(ctx, m.id, moment)
        if found is None:
            continue
        kept, run = found
        shared.append((m.name, kept, run))
        notify.to_person(ctx, m.person_id, family,  # type: ignore[arg-type]
                         partial(render.weekly_thanks, alias=family.alias, kept=kept, weeks_in_a_row=run),
                         key=f"weekly:{m.id}:{moment:%Y-%m-%d}", purpose=OutboxPurpose.WEEKLY_THANKS)
    holder = _summary_holder(ctx, family)
    if shared and holder is not None:
        notify.to_person(ctx, holder, family, partial(render.weekly_strengths, alias=family.alias, members=shared),
                         key=f"weekly-staff:{family.id}:{moment:%Y-%m-%d}", purpose=OutboxPurpose.WEEKLY_THANKS)


def _summary_holder(ctx: Ctx, family: Family) -> int | None:
    """Who gets this family's summaries now: its caseworker, or while they are away their cover (none: nobody)."""
    person = ctx.s.scalar(select(Person).join(Membership, Membership.person_id == Person.id).where(
        Membership.family_id == family.id, Membership.role == Role.CASEWORKER,
        Membership.state == MembershipState.ACTIVE).limit(1))
    if person is None:
        return None
    return person.cover_person_id if is_away(person.away_until, ctx.now) else person.id


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
                                 reviews.summary_facts(ctx, family), day_facts(ctx, family, since, until),
                                 since=since if until - since > timedelta(days=1) else None)


def _window_start(ctx: Ctx, person: Person, tz: str, moment: datetime) -> datetime:
    """A summary covers everything since the person's last one reached: a day, or longer after days without
    one (away, or nobody's caseworker for a while), so what was handled meanwhile is never skipped, and
    shorter or longer after the summary time changed, so nothing is told twice; two weeks at most."""
    if person.summary_covered_until is not None and person.summary_covered_until < moment:
        return max(person.summary_covered_until, moment - MAX_WINDOW)
    last = ctx.s.scalar(select(func.max(OutboxMessage.created_at)).join(
        ChatIdentity, ChatIdentity.id == OutboxMessage.identity_id).where(
        ChatIdentity.person_id == person.id, OutboxMessage.kind == OutboxPurpose.DAILY_SUMMARY,
        OutboxMessage.created_at < moment))
    day = moment - timedelta(days=1)
    if last is None:
        return day
    return max(min(last_daily_moment(last, tz, person.summary_time), day), moment - MAX_WINDOW)


def caseworker_families(ctx: Ctx, person_id: int) -> list[Family]:
    """The families whose summary this person gets, oldest first (the first sets their time zone): those they
    are the active caseworker of, unless they are away (then their cover gets them, or, with no cover,
    nobody: the duty team holds them), and those of caseworkers away whom they cover."""
    person = ctx.s.get(Person, person_id)
    own = [] if person is None or is_away(person.away_until, ctx.now) else [person_id]
    covered = list(ctx.s.scalars(select(Person.id).where(Person.cover_person_id == person_id,
                                                         Person.away_until > ctx.now)))
    if not own and not covered:
        return []
    return list(ctx.s.scalars(select(Family).join(Membership, Membership.family_id == Family.id).where(
        Membership.person_id.in_(own + covered), Membership.role == Role.CASEWORKER,
        Membership.state == MembershipState.ACTIVE).order_by(Family.id).distinct()))


def daily_summaries(ctx: Ctx, limit: int) -> int:
    """The caseworkers whose summary time came (their job is due): one summary a day, not sent more than
    12 hours late. A person who is no longer anyone's caseworker has no job until they are again.
    Returns the jobs run."""
    ran = 0
    for person_id, was in jobs.within(jobs.due(ctx, JobKind.DAILY_SUMMARY, limit)):
        ran += 1
        person = ctx.s.get(Person, person_id)
        families = caseworker_families(ctx, person_id) if person else []
        if person is None or not families:
            jobs.settle(ctx, JobKind.DAILY_SUMMARY, person_id, was, None)
            continue
        tz = notify.person_timezone(person, families[0])
        moment = last_daily_moment(ctx.now, tz, person.summary_time)
        name = f"daily:{person.id}:{moment:%Y-%m-%d}"
        if ctx.now - moment <= timedelta(hours=12) and mark_once(ctx, name):
            since = _window_start(ctx, person, tz, moment)
            sections = [_section(ctx, f, since, moment) for f in families]
            if notify.to_person(ctx, person.id, families[0], partial(render.daily_summary, sections=sections,
                                                                      tz=tz),
                                key=name, purpose=OutboxPurpose.DAILY_SUMMARY):
                person.summary_covered_until = moment  # written for them: the next one starts here
            for family, section in zip(families, sections, strict=True):  # and in each family's handover thread
                if section.day is not None:
                    handover.post(ctx, person, family, section.day, tz, key=f"handover:{family.id}:{name}")
        jobs.settle(ctx, JobKind.DAILY_SUMMARY, person_id, was, next_daily_moment(ctx.now, tz, person.summary_time))
    return ran
