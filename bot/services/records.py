"""Read-only views of a family: the caseworker's status picture and the full record export."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.domain.routing import is_away
from bot.domain.vocabulary import STAFF_ROLES, EscalationState, MembershipState, OutboxState, Role
from bot.services.context import Ctx
from bot.services.conversation import family_messages
from bot.services.families import get_family
from bot.services.meeting_replies import replies_to
from bot.services.plans import latest_version
from bot.services.reach import platforms_off, platforms_on
from messages.catalog import translator
from messages.labels import meeting_kind_label
from storage.models import (
    AuditEvent,
    BottomLine,
    ChatIdentity,
    Checkin,
    CheckinAnswer,
    Commitment,
    Escalation,
    EscalationNotice,
    Family,
    Meeting,
    MeetingInvitee,
    Membership,
    OutboxMessage,
    Person,
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
    open_esc = [{"id": e.id, "reason": e.reason, "state": e.state, "opened_at": _iso(e.opened_at), "step": e.step,
                 **_held(ctx, e, family)}
                for e in ctx.s.scalars(select(Escalation).where(
                    Escalation.family_id == family.id,
                    Escalation.state != EscalationState.RESOLVED).order_by(Escalation.id))]
    tr = translator(family.language)
    meetings = [{"id": m.id, "kind": m.kind, "kind_label": meeting_kind_label(tr, m.kind),
                 "starts_at": _iso(m.starts_at), "local_time": _local(m.starts_at, family.timezone), "place": m.place,
                 **asdict(replies_to(ctx, m.id))}
                for m in ctx.s.scalars(select(Meeting).where(Meeting.family_id == family.id,
                                                            Meeting.cancelled.is_(False),
                                                            Meeting.starts_at > ctx.now).order_by(Meeting.starts_at))]
    return {
        "family": {"id": family.id, "alias": family.alias, "timezone": family.timezone, "language": family.language},
        "plan_version": plan.number if plan else None,
        "review_by": plan.content.get("review_by") if plan else None,
        "members": [{"name": m.name, "role": m.role, "state": m.state, "consent_at": _iso(m.consent_at),
                     "staff": Role(m.role).is_staff} for m in members],
        "staff": staff_of(ctx, family),
        "commitments": commitments,
        "open_escalations": open_esc,
        "upcoming_meetings": meetings,
        "unreachable": unreachable_in(ctx, family.id),
        "waiting_for_platform_off": waiting_for_off_platforms(ctx, family.id),
    }


def _local(instant: datetime, zone: str) -> str:
    return f"{instant.astimezone(ZoneInfo(zone)):%a %d %b %Y %H:%M} ({zone})"


def _held(ctx: Ctx, esc: Escalation, family: Family) -> dict[str, Any]:
    from bot.services.escalation_views import view

    seen = view(ctx, esc, family)
    return {"age_minutes": seen.age_minutes, "holder": seen.holder, "holder_role": seen.holder_role,
            "member": seen.member}


def staff_of(ctx: Ctx, family: Family) -> list[dict[str, Any]]:
    """The family's caseworker, supervisor and duty contact: by name, with their chat address."""
    out = []
    for m, person in ctx.s.execute(select(Membership, Person).join(Person, Person.id == Membership.person_id).where(
            Membership.family_id == family.id, Membership.state == MembershipState.ACTIVE,
            Membership.role.in_([r.value for r in STAFF_ROLES])).order_by(Membership.id)):
        ident = ctx.s.scalar(select(ChatIdentity).where(ChatIdentity.person_id == person.id)
                             .order_by(ChatIdentity.id).limit(1))
        address = f"{ident.platform}:{ident.external_id}" if ident else None
        out.append({"role": m.role, "name": person.display_name, "address": address,
                    "named": ident is None or person.display_name != ident.external_id,
                    "away_until": _iso(person.away_until) if is_away(person.away_until, ctx.now) else None})
    return out


def unreachable_in(ctx: Ctx, family_id: int) -> list[dict[str, Any]]:
    """Active members and staff of the family the running settings cannot reach, and why: "no_chat" (none
    linked), "blocked" (every chat has blocked the bot), "platform_off" (their chats are on platforms with no
    token here)."""
    on = set(platforms_on(ctx.settings))
    chats: dict[int, list[tuple[str, bool]]] = {}
    names: dict[int, tuple[str, str]] = {}
    for m, person_name, platform, blocked_at in ctx.s.execute(
            select(Membership, Person.display_name, ChatIdentity.platform, ChatIdentity.blocked_at)
            .outerjoin(Person, Person.id == Membership.person_id)
            .outerjoin(ChatIdentity, ChatIdentity.person_id == Membership.person_id)
            .where(Membership.family_id == family_id, Membership.state == MembershipState.ACTIVE)
            .order_by(Membership.id)):
        # Staff by their own name (their membership's name carries the role), members as invited.
        names[m.id] = (person_name if Role(m.role).is_staff and person_name else m.name, m.role)
        entry = chats.setdefault(m.id, [])
        if platform is not None:
            entry.append((platform, blocked_at is not None))
    out = []
    for mid, found in chats.items():
        why = _why_unreachable(found, on)
        if why is not None:
            out.append({"membership_id": mid, "name": names[mid][0], "role": names[mid][1], "why": why,
                        "platforms": sorted({p for p, _ in found})})
    return out


def _why_unreachable(chats: list[tuple[str, bool]], on: set[str]) -> str | None:
    if not chats:
        return "no_chat"
    open_chats = [p for p, blocked in chats if not blocked]
    if not open_chats:
        return "blocked"
    return None if set(open_chats) & on else "platform_off"


def waiting_for_off_platforms(ctx: Ctx, family_id: int) -> dict[str, int]:
    """Messages of this family waiting in the outbox for a platform these settings do not serve."""
    off = platforms_off(ctx.settings)
    rows = ctx.s.execute(select(ChatIdentity.platform, func.count()).join(
        OutboxMessage, OutboxMessage.identity_id == ChatIdentity.id).where(
        OutboxMessage.family_id == family_id, OutboxMessage.state.in_([OutboxState.PENDING, OutboxState.SENDING]),
        ChatIdentity.platform.in_(off)).group_by(ChatIdentity.platform)).all()
    return {platform: count for platform, count in rows}


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
