"""What a member of agency staff sees at a glance (Slack's App Home), and their daily summary time."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.buttons import ButtonAction, make
from bot.domain.schedule import parse_hhmm
from bot.domain.vocabulary import CheckinState, EscalationState, JobKind
from bot.services import audit, jobs, notify
from bot.services.context import Actor, Ctx
from bot.services.errors import InvalidInput, Refused
from bot.services.staff import StaffFamily, staff_families
from messages import render
from messages.catalog import translator
from storage.models import Checkin, Commitment, Escalation, Family, Membership, Person

WEEKS = 4


@dataclass
class OpenEscalation:
    id: int
    family_id: int
    alias: str
    reason: str
    state: str
    opened_at: datetime
    member: str
    commitment: str
    timezone: str
    ack: str | None = None  # signed button data (Acknowledge only while open)
    resolve: str = ""


@dataclass
class TodayCheckin:
    due_at: datetime
    alias: str
    member: str
    commitment: str
    state: str
    timezone: str


@dataclass
class FamilyGlance:
    family: StaffFamily
    weeks: list[dict[str, int]]  # oldest first; counts of done / not_done / missed / worried


@dataclass
class Home:
    person_id: int
    language: str
    summary_time: str
    escalations: list[OpenEscalation] = field(default_factory=list)
    today: list[TodayCheckin] = field(default_factory=list)
    families: list[FamilyGlance] = field(default_factory=list)


def home_for(ctx: Ctx, actor: Actor) -> Home:
    if actor.person_id is None:
        raise Refused("unknown_chat", "not a known person", subject="home.view")
    person = ctx.s.get_one(Person, actor.person_id)
    families = staff_families(ctx, person.id)
    home = Home(person.id, notify.person_language(person, None), person.summary_time)
    ids = [f.id for f in families]
    if not ids:
        return home
    by_id = {f.id: f for f in families}
    names = {m.id: m.name for m in ctx.s.scalars(select(Membership).where(Membership.family_id.in_(ids)))}
    tr = translator(home.language)
    for esc, _checkin, commitment in ctx.s.execute(
            select(Escalation, Checkin, Commitment).join(Checkin, Checkin.id == Escalation.checkin_id, isouter=True)
            .join(Commitment, Commitment.id == Checkin.commitment_id, isouter=True)
            .where(Escalation.family_id.in_(ids), Escalation.state != EscalationState.RESOLVED)
            .order_by(Escalation.opened_at)):
        fam = by_id[esc.family_id]
        who = commitment.owner_membership_id if commitment else esc.membership_id
        what = commitment.text if commitment else render.worry_outside_checkin(tr)
        home.escalations.append(OpenEscalation(
            esc.id, fam.id, fam.alias, esc.reason, esc.state, esc.opened_at, names.get(who or 0, "?"), what,
            notify.person_timezone(person, _family(ctx, fam.id)),
            make(ctx.secret, ButtonAction.ACK, esc.id) if esc.state == EscalationState.OPEN else None,
            make(ctx.secret, ButtonAction.RESOLVE, esc.id)))
    for fam in families:
        tz = notify.person_timezone(person, _family(ctx, fam.id))
        local = ctx.now.astimezone(ZoneInfo(tz))
        start = local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)
        for checkin, commitment in ctx.s.execute(
                select(Checkin, Commitment).join(Commitment, Commitment.id == Checkin.commitment_id)
                .where(Checkin.family_id == fam.id, Checkin.due_at >= start, Checkin.due_at < start + timedelta(days=1),
                       Checkin.state != CheckinState.CANCELLED).order_by(Checkin.due_at)):
            home.today.append(TodayCheckin(checkin.due_at, fam.alias, names.get(commitment.owner_membership_id, "?"),
                                           commitment.text, checkin.state, tz))
        weeks = []
        for w in range(WEEKS, 0, -1):
            since, until = ctx.now - timedelta(days=7 * w), ctx.now - timedelta(days=7 * (w - 1))
            counts = Counter(ctx.s.scalars(select(Checkin.state).where(
                Checkin.family_id == fam.id, Checkin.due_at > since, Checkin.due_at <= until)))
            weeks.append({s: counts.get(s, 0) for s in ("done", "not_done", "missed", "worried")})
        home.families.append(FamilyGlance(fam, weeks))
    home.today.sort(key=lambda t: t.due_at)
    return home


def _family(ctx: Ctx, family_id: int) -> Family:
    return ctx.s.get_one(Family, family_id)


def set_summary_time(ctx: Ctx, actor: Actor, hhmm: str) -> str:
    """The caseworker chooses when their daily summary comes (in their own or their family's time zone)."""
    if actor.person_id is None:
        raise Refused("unknown_chat", "not a known person", subject="person.summary_time")
    try:
        at = parse_hhmm(hhmm)
    except ValueError as exc:
        raise InvalidInput("bad_time", str(exc)) from exc
    value = f"{at:%H:%M}"
    person = ctx.s.get_one(Person, actor.person_id)
    person.summary_time = value
    jobs.touch(ctx, JobKind.DAILY_SUMMARY, person.id)
    audit.record(ctx, actor, "person.summary_time", subject=f"person:{person.id}", detail=value)
    return value
