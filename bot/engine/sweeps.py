"""The sweeps. Each is a function of (database, now): safe to repeat, safe to run on two instances,
and it catches up on whatever fell due while the bot was down."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select

from bot.domain.schedule import occurrences
from bot.domain.vocabulary import CheckinState, EscalationState, MembershipState
from bot.services import checkins, covers, erasure, escalations, reviews, summaries
from bot.services.context import Ctx
from bot.services.meetings import send_meeting_notice
from storage.models import Checkin, Commitment, Escalation, Family, Meeting, MeetingInvitee, Membership
from storage.upsert import insert_ignore

BATCH = 500


def _schedulable() -> tuple[Any, ...]:
    """Commitments whose check-ins are written ahead: active, covered, owned by an active member."""
    return (Commitment.active.is_(True), Commitment.uncovered_since.is_(None),
            Membership.state == MembershipState.ACTIVE)


def schedule_checkins(ctx: Ctx) -> int:
    """Write the check-in occurrences of the next hours (the horizon) as rows, once each."""
    horizon = ctx.now + timedelta(hours=ctx.settings.schedule_horizon_hours)
    refill_before = ctx.now + timedelta(hours=ctx.settings.schedule_horizon_hours / 2)
    made = 0
    rows = ctx.s.execute(
        select(Commitment, Family.timezone).join(Family, Family.id == Commitment.family_id)
        .join(Membership, Membership.id == Commitment.owner_membership_id)
        .where(*_schedulable(),
               or_(Commitment.scheduled_until.is_(None), Commitment.scheduled_until <= refill_before))
        .limit(BATCH)).all()
    for commitment, tz in rows:
        start = commitment.scheduled_until or ctx.now
        for due in occurrences(commitment.rrule, tz, start, horizon):
            new = insert_ignore(ctx.s, Checkin.__table__, {  # type: ignore[arg-type]
                "commitment_id": commitment.id, "family_id": commitment.family_id, "due_at": due,
                "grace_ends_at": due + timedelta(minutes=commitment.grace_minutes),
                "state": CheckinState.PENDING, "late": False,
            }, ["commitment_id", "due_at"])
            made += new is not None
        commitment.scheduled_until = horizon
    return made


def ask_due_checkins(ctx: Ctx) -> int:
    asked = 0
    for checkin in ctx.s.scalars(select(Checkin).where(
            Checkin.state == CheckinState.PENDING, Checkin.asked_at.is_(None), Checkin.due_at <= ctx.now,
            Checkin.grace_ends_at > ctx.now).order_by(Checkin.due_at).limit(BATCH)):
        asked += checkins.ask(ctx, checkin)
    return asked


def mark_missed_checkins(ctx: Ctx) -> int:
    missed = 0
    for checkin in ctx.s.scalars(select(Checkin).where(
            Checkin.state == CheckinState.PENDING, Checkin.grace_ends_at <= ctx.now)
            .order_by(Checkin.due_at).limit(BATCH)):
        missed += checkins.mark_missed(ctx, checkin)
    return missed


def move_escalations(ctx: Ctx) -> int:
    return escalations.move_on_due(ctx, BATCH)


def _reminder_mark(meeting: Meeting, offset: int) -> str:
    return f"remind:{meeting.id}:{meeting.starts_at:%Y%m%dT%H%M}:{offset}"


def _reminders_due(ctx: Ctx) -> list[tuple[Meeting, int]]:
    """The meetings with a reminder due now, each with the latest reminder offset due (marked or not)."""
    offsets = ctx.settings.reminder_offsets_minutes
    if not offsets:
        return []
    found = []
    for meeting in ctx.s.scalars(select(Meeting).where(
            Meeting.cancelled.is_(False), Meeting.starts_at > ctx.now,
            Meeting.starts_at <= ctx.now + timedelta(minutes=max(offsets)))):
        due = [o for o in offsets if meeting.starts_at - timedelta(minutes=o) <= ctx.now
               and (meeting.invited_at is None or meeting.starts_at - timedelta(minutes=o) >= meeting.invited_at)]
        if due:  # none due: invited after this reminder's time, so the invitation was the reminder
            found.append((meeting, min(due)))
    return found


def meeting_reminders(ctx: Ctx) -> int:
    """Each reminder offset (e.g. 24h and 2h before) once; after downtime only the latest one due."""
    sent = 0
    for meeting, offset in _reminders_due(ctx):
        if not summaries.mark_once(ctx, _reminder_mark(meeting, offset)):
            continue
        family = ctx.s.get_one(Family, meeting.family_id)
        for invitee in ctx.s.scalars(select(MeetingInvitee).where(MeetingInvitee.meeting_id == meeting.id)):
            send_meeting_notice(ctx, meeting, family, ctx.s.get_one(Membership, invitee.membership_id),
                                reminder=True, key=f"meeting:{meeting.id}:remind:{offset}:"
                                                   f"{meeting.starts_at:%Y%m%dT%H%M}:{invitee.membership_id}")
            sent += 1
    return sent


# --- when next: the earliest moment each sweep could have work (at or before ctx.now: it has work now) -----------

def next_schedule_fill(ctx: Ctx) -> datetime | None:
    """A commitment never scheduled is due now; the others when their horizon is half used up."""
    base = select(func.count()).select_from(Commitment).join(
        Membership, Membership.id == Commitment.owner_membership_id).where(*_schedulable())
    if ctx.s.scalar(base.where(Commitment.scheduled_until.is_(None))):
        return ctx.now
    until = ctx.s.scalar(base.with_only_columns(func.min(Commitment.scheduled_until)))
    return None if until is None else until - timedelta(hours=ctx.settings.schedule_horizon_hours / 2)


def next_checkin_moment(ctx: Ctx) -> datetime | None:
    """The next question to ask (a pending check-in's due time) or the next grace to run out."""
    pending = Checkin.state == CheckinState.PENDING
    ask = ctx.s.scalar(select(func.min(Checkin.due_at)).where(
        pending, Checkin.asked_at.is_(None), Checkin.grace_ends_at > ctx.now))
    miss = ctx.s.scalar(select(func.min(Checkin.grace_ends_at)).where(pending))
    return min((m for m in (ask, miss) if m is not None), default=None)


def next_escalation_step(ctx: Ctx) -> datetime | None:
    return ctx.s.scalar(select(func.min(Escalation.next_step_at)).where(Escalation.state == EscalationState.OPEN))


def next_meeting_reminder(ctx: Ctx) -> datetime | None:
    """Now if a reminder is due and not yet sent; else the next reminder time of any meeting."""
    due = _reminders_due(ctx)
    if due and len(summaries.already_marked(ctx, [_reminder_mark(m, o) for m, o in due])) < len(due):
        return ctx.now
    moments = []
    for offset in ctx.settings.reminder_offsets_minutes:
        starts = ctx.s.scalar(select(func.min(Meeting.starts_at)).where(
            Meeting.cancelled.is_(False), Meeting.starts_at > ctx.now + timedelta(minutes=offset)))
        if starts is not None:
            moments.append(starts - timedelta(minutes=offset))
    return min(moments, default=None)


Sweep = Callable[[Ctx], int]

SWEEPS: list[tuple[str, Sweep]] = [
    ("schedule_checkins", schedule_checkins),
    ("ask_due_checkins", ask_due_checkins),
    ("mark_missed_checkins", mark_missed_checkins),
    ("move_escalations", move_escalations),
    ("meeting_reminders", meeting_reminders),
    ("weekly_thanks", summaries.weekly_thanks),
    ("daily_summaries", summaries.daily_summaries),
    ("overdue_reviews", reviews.report_overdue),
    ("erasures", erasure.erase_due),
    ("covers_start", covers.start_due),
    ("covers_end", covers.end_due),
]

WhenNext = Callable[[Ctx], datetime | None]

WHEN_NEXT: list[tuple[str, WhenNext]] = [
    ("schedule_checkins", next_schedule_fill),
    ("checkins", next_checkin_moment),
    ("move_escalations", next_escalation_step),
    ("meeting_reminders", next_meeting_reminder),
    ("weekly_thanks", summaries.next_weekly_thanks),
    ("daily_summaries", summaries.next_daily_summary),
    ("overdue_reviews", reviews.next_overdue_report),
    ("erasures", erasure.next_erasure),
    ("covers", covers.next_cover_moment),
]
