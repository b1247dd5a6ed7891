"""Read-only views of a family: the caseworker's status picture and the full record export."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.domain.vocabulary import EscalationState
from bot.services.context import Ctx
from bot.services.conversation import family_messages
from bot.services.families import get_family
from bot.services.meeting_replies import replies_to
from bot.services.plans import latest_version
from storage.models import (
    AuditEvent,
    BottomLine,
    Checkin,
    CheckinAnswer,
    Commitment,
    Escalation,
    EscalationNotice,
    Meeting,
    MeetingInvitee,
    Membership,
    PlanVersion,
)


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _row(obj: Any, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    return {c.key: _iso(getattr(obj, c.key)) for c in obj.__table__.columns if c.key not in skip}


def status(ctx: Ctx, family_id: int) -> dict[str, Any]:
    family = get_family(ctx, family_id)
    plan = latest_version(ctx, family.id)
    members = list(ctx.s.scalars(select(Membership).where(Membership.family_id == family.id).order_by(Membership.id)))
    names = {m.id: m.name for m in members}
    week_ago = ctx.now - timedelta(days=7)
    commitments = []
    for c in ctx.s.scalars(select(Commitment).where(Commitment.family_id == family.id, Commitment.active.is_(True))
                           .order_by(Commitment.id)):
        states = Counter(ctx.s.scalars(select(Checkin.state).where(
            Checkin.commitment_id == c.id, Checkin.due_at > week_ago, Checkin.due_at <= ctx.now)))
        commitments.append({"key": c.key, "member": names.get(c.owner_membership_id), "text": c.text,
                            "guards_bottom_line": c.bottom_line_id is not None,
                            "uncovered": c.uncovered_since is not None, "last_7_days": dict(states)})
    open_esc = [{"id": e.id, "reason": e.reason, "state": e.state, "opened_at": _iso(e.opened_at), "step": e.step}
                for e in ctx.s.scalars(select(Escalation).where(
                    Escalation.family_id == family.id,
                    Escalation.state != EscalationState.RESOLVED).order_by(Escalation.id))]
    meetings = [{"id": m.id, "kind": m.kind, "starts_at": _iso(m.starts_at), "place": m.place,
                 **asdict(replies_to(ctx, m.id))}
                for m in ctx.s.scalars(select(Meeting).where(Meeting.family_id == family.id,
                                                            Meeting.cancelled.is_(False),
                                                            Meeting.starts_at > ctx.now).order_by(Meeting.starts_at))]
    return {
        "family": {"id": family.id, "alias": family.alias, "timezone": family.timezone, "language": family.language},
        "plan_version": plan.number if plan else None,
        "review_by": plan.content.get("review_by") if plan else None,
        "members": [{"name": m.name, "role": m.role, "state": m.state, "consent_at": _iso(m.consent_at)}
                    for m in members],
        "commitments": commitments,
        "open_escalations": open_esc,
        "upcoming_meetings": meetings,
    }


def export(ctx: Ctx, family_id: int) -> dict[str, Any]:
    """The whole record of one family, for the caseworker's file or a subject access request."""
    family = get_family(ctx, family_id)
    fid = family.id
    checkins = list(ctx.s.scalars(select(Checkin).where(Checkin.family_id == fid).order_by(Checkin.due_at)))
    ids = [c.id for c in checkins]
    answers = list(ctx.s.scalars(select(CheckinAnswer).where(CheckinAnswer.checkin_id.in_(ids))
                                 .order_by(CheckinAnswer.id))) if ids else []
    escs = list(ctx.s.scalars(select(Escalation).where(Escalation.family_id == fid).order_by(Escalation.id)))
    esc_ids = [e.id for e in escs]
    meetings = list(ctx.s.scalars(select(Meeting).where(Meeting.family_id == fid).order_by(Meeting.starts_at)))
    meeting_ids = [m.id for m in meetings]
    return {
        "family": _row(family),
        "plan_versions": [_row(p) for p in ctx.s.scalars(select(PlanVersion).where(PlanVersion.family_id == fid)
                                                          .order_by(PlanVersion.number))],
        "members": [_row(m) for m in ctx.s.scalars(select(Membership).where(Membership.family_id == fid))],
        "bottom_lines": [_row(b) for b in ctx.s.scalars(select(BottomLine).where(BottomLine.family_id == fid))],
        "commitments": [_row(c) for c in ctx.s.scalars(select(Commitment).where(Commitment.family_id == fid))],
        "checkins": [_row(c) for c in checkins],
        "answers": [_row(a) for a in answers],
        "escalations": [_row(e) for e in escs],
        "escalation_notices": [_row(n) for n in ctx.s.scalars(select(EscalationNotice).where(
            EscalationNotice.escalation_id.in_(esc_ids)))] if esc_ids else [],
        "meetings": [_row(m) for m in meetings],
        "meeting_replies": [_row(i) for i in ctx.s.scalars(select(MeetingInvitee).where(
            MeetingInvitee.meeting_id.in_(meeting_ids)))] if meeting_ids else [],
        "conversation": [_row(m) for m in family_messages(ctx, fid)],  # what members wrote, staff replies
        "audit": [_row(a) for a in ctx.s.scalars(select(AuditEvent).where(AuditEvent.family_id == fid)
                                                  .order_by(AuditEvent.id))],
    }
