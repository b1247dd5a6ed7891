"""The sweeps. Each is a function of (database, now): safe to repeat, safe to run on two instances,
and it catches up on whatever fell due while the bot was down."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import Select, bindparam, select

from bot.domain.schedule import occurrences
from bot.domain.vocabulary import CheckinState, EscalationState, JobKind, MembershipState
from bot.services import checkins, covers, erasure, escalations, jobs, outages, reviews, summaries
from bot.services.context import Ctx
from bot.services.meetings import send_meeting_notice
from storage.models import Checkin, Commitment, Escalation, Family, Meeting, MeetingInvitee, Membership
from storage.types import UTCDateTime
from storage.upsert import insert_ignore

BATCH = 500


def _fill_one(ctx: Ctx, commitment_id: int) -> tuple[int, datetime | None]:
    """Write one commitment's check-ins up to the horizon, if it is schedulable (active, covered, its owner an
    active member) and its horizon is half used up: (check-ins written, when to look again; None: never)."""
    horizon_hours = ctx.settings.schedule_horizon_hours
    row = ctx.s.execute(select(Commitment, Family.timezone).join(Family, Family.id == Commitment.family_id)
                        .join(Membership, Membership.id == Commitment.owner_membership_id)
                        .where(Commitment.id == commitment_id, Commitment.active.is_(True),
                               Commitment.uncovered_since.is_(None), Membership.state == MembershipState.ACTIVE)
                        ).first()
    if row is None:
        return 0, None
    commitment, tz = row
    if commitment.scheduled_until is not None and \
            commitment.scheduled_until > ctx.now + timedelta(hours=horizon_hours / 2):
        return 0, commitment.scheduled_until - timedelta(hours=horizon_hours / 2)
    horizon = ctx.now + timedelta(hours=horizon_hours)
    made = 0
    for due in occurrences(commitment.rrule, tz, commitment.scheduled_until or ctx.now, horizon):
        new = insert_ignore(ctx.s, Checkin.__table__, {  # type: ignore[arg-type]
            "commitment_id": commitment.id, "family_id": commitment.family_id, "due_at": due,
            "grace_ends_at": due + timedelta(minutes=commitment.grace_minutes),
            "state": CheckinState.PENDING, "late": False,
        }, ["commitment_id", "due_at"])
        made += new is not None
    commitment.scheduled_until = horizon
    return made, horizon - timedelta(hours=horizon_hours / 2)


def schedule_checkins(ctx: Ctx) -> int:
    """Write the check-in occurrences of the next hours (the horizon) as rows, once each, for the commitments
    whose fill job is due. Returns the jobs run."""
    ran = 0
    for commitment_id, was in jobs.within(jobs.due(ctx, JobKind.SCHEDULE_FILL, BATCH)):
        _, next_at = _fill_one(ctx, commitment_id)
        jobs.settle(ctx, JobKind.SCHEDULE_FILL, commitment_id, was, next_at)
        ran += 1
    return ran


def ask_due_checkins(ctx: Ctx) -> int:
    return checkins.ask_due(ctx, BATCH)


def mark_missed_checkins(ctx: Ctx) -> int:
    """Grace ran out: a check-in whose question reached the member is missed (nudge, escalation); one the bot
    never managed to ask is "not asked", and the caseworker gets one notice for what this pass found."""
    closed, unasked = 0, []
    for checkin in jobs.within(list(ctx.s.scalars(select(Checkin).where(
            Checkin.state == CheckinState.PENDING, Checkin.grace_ends_at <= ctx.now)
            .order_by(Checkin.grace_ends_at, Checkin.id).limit(BATCH)))):
        if outages.was_asked(ctx, checkin.id):
            closed += checkins.mark_missed(ctx, checkin)
        elif outages.mark_not_asked(ctx, checkin):
            closed += 1
            unasked.append(checkin.id)
    outages.tell_staff(ctx, unasked)
    return closed


def move_escalations(ctx: Ctx) -> int:
    return escalations.move_on_due(ctx, BATCH)


def _reminder_mark(meeting: Meeting, offset: int) -> str:
    return f"remind:{meeting.id}:{meeting.starts_at:%Y%m%dT%H%M}:{offset}"


def _reminder_due(ctx: Ctx, meeting: Meeting) -> int | None:
    """The latest reminder offset (minutes before the start) due now, if any. None due: it is not time yet,
    or the invitation went out after this reminder's time, so the invitation was the reminder."""
    due = [o for o in ctx.settings.reminder_offsets_minutes if meeting.starts_at - timedelta(minutes=o) <= ctx.now
           and (meeting.invited_at is None or meeting.starts_at - timedelta(minutes=o) >= meeting.invited_at)]
    return min(due, default=None)


def _remind(ctx: Ctx, meeting: Meeting, offset: int) -> None:
    family = ctx.s.get_one(Family, meeting.family_id)
    for invitee in ctx.s.scalars(select(MeetingInvitee).where(MeetingInvitee.meeting_id == meeting.id)):
        send_meeting_notice(ctx, meeting, family, ctx.s.get_one(Membership, invitee.membership_id),
                            reminder=True, key=f"meeting:{meeting.id}:remind:{offset}:"
                                               f"{meeting.starts_at:%Y%m%dT%H%M}:{invitee.membership_id}")


def meeting_reminders(ctx: Ctx) -> int:
    """Each reminder offset (e.g. 24h and 2h before) once; after downtime only the latest one due.
    Returns the jobs run."""
    ran = 0
    for meeting_id, was in jobs.within(jobs.due(ctx, JobKind.MEETING_REMINDER, BATCH)):
        ran += 1
        meeting = ctx.s.get(Meeting, meeting_id)
        if meeting is None or meeting.cancelled or meeting.starts_at <= ctx.now:
            jobs.settle(ctx, JobKind.MEETING_REMINDER, meeting_id, was, None)
            continue
        offset = _reminder_due(ctx, meeting)
        if offset is not None and summaries.mark_once(ctx, _reminder_mark(meeting, offset)):
            _remind(ctx, meeting, offset)
        later = [meeting.starts_at - timedelta(minutes=o) for o in ctx.settings.reminder_offsets_minutes]
        jobs.settle(ctx, JobKind.MEETING_REMINDER, meeting_id, was, min((m for m in later if m > ctx.now),
                                                                        default=None))
    return ran


# --- when next: the earliest moment each sweep could have work (at or before :now: it has work now) -----------
# Each is a statement for one moment (ordered, LIMIT 1, so an index finds it) with a `now` parameter: the
# engine asks them all in one statement.

NOW = bindparam("now", type_=UTCDateTime(timezone=True))

# The next question to ask: a pending check-in not asked yet whose grace has not run out.
NEXT_ASK = (select(Checkin.due_at).where(Checkin.state == CheckinState.PENDING, Checkin.asked_at.is_(None),
                                         Checkin.grace_ends_at > NOW).order_by(Checkin.due_at).limit(1))
# The next grace to run out.
NEXT_MISS = select(Checkin.grace_ends_at).where(Checkin.state == CheckinState.PENDING) \
    .order_by(Checkin.grace_ends_at).limit(1)
NEXT_STEP = (select(Escalation.next_step_at).where(Escalation.state == EscalationState.OPEN,
                                                   Escalation.next_step_at.is_not(None))
             .order_by(Escalation.next_step_at).limit(1))


Sweep = Callable[[Ctx], int]

SWEEPS: list[tuple[str, Sweep]] = [
    ("covers_start", covers.start_due),  # first: what follows routes alerts and summaries by who is away now
    ("covers_end", covers.end_due),
    ("schedule_checkins", schedule_checkins),
    ("ask_due_checkins", ask_due_checkins),
    ("mark_missed_checkins", mark_missed_checkins),
    ("move_escalations", move_escalations),
    ("meeting_reminders", meeting_reminders),
    ("weekly_thanks", partial(summaries.weekly_thanks, limit=BATCH)),
    ("daily_summaries", partial(summaries.daily_summaries, limit=BATCH)),
    ("overdue_reviews", reviews.report_overdue),
    ("erasures", erasure.erase_due),
]

# Sweeps whose claim skips rows another transaction holds (PostgreSQL), so several workers can run them at once
# (bot.engine.engine.Engine), each on check-ins of its own.
SHARED = frozenset({"ask_due_checkins"})

WHEN_NEXT: list[tuple[str, Select[Any]]] = [
    ("covers_start", covers.NEXT_START),
    ("covers_end", covers.NEXT_END),
    ("schedule_checkins", jobs.next_of(JobKind.SCHEDULE_FILL)),
    ("ask_due_checkins", NEXT_ASK),
    ("mark_missed_checkins", NEXT_MISS),
    ("move_escalations", NEXT_STEP),
    ("meeting_reminders", jobs.next_of(JobKind.MEETING_REMINDER)),
    ("weekly_thanks", jobs.next_of(JobKind.WEEKLY_THANKS)),
    ("daily_summaries", jobs.next_of(JobKind.DAILY_SUMMARY)),
    ("overdue_reviews", reviews.NEXT_OVERDUE_REPORT),
    ("erasures", erasure.NEXT_ERASURE),
]
