"""Strength-based summaries: each member's weekly thank-you and each caseworker's daily picture."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.domain.hours import WEEKDAYS
from bot.domain.schedule import localize, parse_hhmm
from bot.domain.vocabulary import CheckinState, EscalationState, MembershipState, Role
from bot.services import notify
from bot.services.context import Ctx
from bot.services.plans import latest_version
from messages import render
from messages.catalog import Translator
from messages.outbound import OutboundMessage
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


def weekly_thanks(ctx: Ctx) -> int:
    sent = 0
    due: list[tuple[Family, datetime, str]] = []
    for family in ctx.s.scalars(select(Family)):
        moment = last_weekly_moment(ctx.now, family.timezone, ctx.settings.weekly_summary)
        if ctx.now - moment <= timedelta(hours=24):
            due.append((family, moment, f"weekly:{family.id}:{moment:%Y-%m-%d}"))
    done = already_marked(ctx, [name for _, _, name in due])
    for family, moment, name in due:
        if name in done or not mark_once(ctx, name):
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
                             key=f"weekly:{m.id}:{moment:%Y-%m-%d}", kind="weekly_thanks")
            sent += 1
    return sent


def _section(ctx: Ctx, family: Family, since: datetime, until: datetime, tr: Translator, tz: str
             ) -> render.SummarySection:
    names = {m.id: m.name for m in ctx.s.scalars(select(Membership).where(Membership.family_id == family.id))}
    went_well = ctx.s.scalar(select(func.count()).select_from(Checkin).where(
        Checkin.family_id == family.id, Checkin.state == CheckinState.DONE,
        Checkin.due_at >= since, Checkin.due_at < until)) or 0
    misses = []
    for checkin, commitment in ctx.s.execute(select(Checkin, Commitment).join(
            Commitment, Commitment.id == Checkin.commitment_id).where(
            Checkin.family_id == family.id, Checkin.state == CheckinState.MISSED, Commitment.bottom_line_id.is_(None),
            Checkin.due_at >= since, Checkin.due_at < until).order_by(Checkin.due_at)):
        misses.append(f"{names.get(commitment.owner_membership_id)}: {commitment.text} ({tr.when(checkin.due_at, tz)})")
    uncovered = [f"{c.text} ({names.get(c.owner_membership_id)})" for c in ctx.s.scalars(select(Commitment).where(
        Commitment.family_id == family.id, Commitment.active.is_(True), Commitment.uncovered_since.is_not(None)))]
    open_count = ctx.s.scalar(select(func.count()).select_from(Escalation).where(
        Escalation.family_id == family.id, Escalation.state != EscalationState.RESOLVED)) or 0
    meetings = [f"{render.meeting_kind_label(tr, m.kind)} — {tr.when(m.starts_at, tz)}"
                for m in ctx.s.scalars(select(Meeting).where(
                    Meeting.family_id == family.id, Meeting.cancelled.is_(False), Meeting.starts_at > ctx.now,
                    Meeting.starts_at <= ctx.now + timedelta(days=7)).order_by(Meeting.starts_at))]
    plan = latest_version(ctx, family.id)
    review = plan.content.get("review_by") if plan else None
    review_soon = review if review and date.fromisoformat(review) <= (ctx.now + timedelta(days=14)).date() else None
    return render.SummarySection(family.alias, went_well, misses, uncovered, open_count, meetings, review_soon)


def daily_summaries(ctx: Ctx) -> int:
    sent = 0
    rows = ctx.s.execute(select(Person, Family).join(Membership, Membership.person_id == Person.id)
                         .join(Family, Family.id == Membership.family_id)
                         .where(Membership.role == Role.CASEWORKER, Membership.state == MembershipState.ACTIVE)
                         .order_by(Person.id, Family.id)).all()
    by_person: dict[int, tuple[Person, list[Family]]] = {}
    for person, family in rows:
        by_person.setdefault(person.id, (person, []))[1].append(family)
    due: list[tuple[Person, list[Family], str, datetime]] = []
    for person, families in by_person.values():
        tz = notify.person_timezone(person, families[0])
        moment = last_daily_moment(ctx.now, tz, person.summary_time)
        if ctx.now - moment <= timedelta(hours=12):
            due.append((person, families, tz, moment))
    done = already_marked(ctx, [f"daily:{p.id}:{m:%Y-%m-%d}" for p, _, _, m in due])
    for person, families, tz, moment in due:
        if f"daily:{person.id}:{moment:%Y-%m-%d}" in done or not mark_once(ctx, f"daily:{person.id}:{moment:%Y-%m-%d}"):
            continue

        def build(tr: Translator, fams: list[Family] = families, m: datetime = moment, z: str = tz) -> OutboundMessage:
            return render.daily_summary(tr, [_section(ctx, f, m - timedelta(days=1), m, tr, z) for f in fams])

        notify.to_person(ctx, person.id, families[0], build, key=f"daily:{person.id}:{moment:%Y-%m-%d}",
                         kind="daily_summary")
        sent += 1
    return sent
