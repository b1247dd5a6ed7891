"""Meetings: scheduled in the plan, invitations and reminders with Coming / Can't come replies."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.buttons import ButtonAction, make
from bot.domain.schedule import localize
from bot.domain.vocabulary import JobKind, MeetingReply, MembershipState, OutboxPurpose
from bot.services import audit, jobs, meeting_replies, notify
from bot.services.context import Actor, Ctx
from bot.services.errors import InvalidInput, NotFound, Refused
from messages import members as texts
from messages.catalog import Translator
from messages.outbound import OutboundMessage
from storage.models import Family, Meeting, MeetingInvitee, Membership, Person, PlanVersion

if TYPE_CHECKING:
    from bot.planfile import MeetingSpec


def upsert_meetings(ctx: Ctx, family: Family, specs: Sequence[MeetingSpec], members: dict[str, Membership],
                    previous_keys: Sequence[str]) -> None:
    """Meetings as the plan lists them. A meeting the previous plan listed and this one does not is
    cancelled; meetings scheduled outside the plan (e.g. from Slack) are left alone."""
    existing = {m.key: m for m in ctx.s.scalars(select(Meeting).where(Meeting.family_id == family.id))}
    seen = {_upsert_meeting(ctx, family, spec, existing.get(spec.stable_key), members) for spec in specs}
    for key, row in existing.items():
        if key not in seen and key in previous_keys and not row.cancelled:
            row.cancelled = True
            jobs.touch(ctx, JobKind.MEETING_REMINDER, row.id)
            if row.starts_at > ctx.now:
                tell_cancelled(ctx, row, family)


def _upsert_meeting(ctx: Ctx, family: Family, spec: MeetingSpec, row: Meeting | None,
                    members: dict[str, Membership]) -> str:
    """One meeting of the plan: created or updated, its invitees set, and (if new or moved) invitations sent."""
    starts = localize(spec.starts, ZoneInfo(family.timezone))
    if row is None:
        row = Meeting(family_id=family.id, key=spec.stable_key, kind=spec.kind.value, starts_at=starts,
                      place=spec.place)
        ctx.s.add(row)
        ctx.s.flush()
    moved = row.starts_at != starts or row.cancelled or row.invited_at is None
    row.kind, row.starts_at, row.place, row.cancelled = spec.kind.value, starts, spec.place, False
    if moved:
        row.invited_at = ctx.now
    jobs.touch(ctx, JobKind.MEETING_REMINDER, row.id)
    invited = {members[n.casefold()].id for n in spec.invite}
    _set_invitees(ctx, row, invited, moved)
    if row.starts_at > ctx.now:
        for mid in invited:
            send_meeting_notice(ctx, row, family, ctx.s.get_one(Membership, mid), reminder=False,
                                key=f"meeting:{row.id}:invite:{row.starts_at:%Y%m%dT%H%M}:{mid}")
        if moved:
            meeting_replies.show_staff(ctx, row, family)
    return spec.stable_key


def _set_invitees(ctx: Ctx, meeting: Meeting, invited: set[int], moved: bool) -> None:
    current = {i.membership_id: i for i in ctx.s.scalars(select(MeetingInvitee)
                                                         .where(MeetingInvitee.meeting_id == meeting.id))}
    for mid, inv in current.items():
        if mid not in invited:
            ctx.s.delete(inv)
        elif moved:
            inv.reply, inv.replied_at = None, None  # a new time needs a new answer
    for mid in invited - set(current):
        ctx.s.add(MeetingInvitee(meeting_id=meeting.id, membership_id=mid))
    ctx.s.flush()


def tell_cancelled(ctx: Ctx, meeting: Meeting, family: Family) -> None:
    for invitee in ctx.s.scalars(select(MeetingInvitee).where(MeetingInvitee.meeting_id == meeting.id)):
        membership = ctx.s.get_one(Membership, invitee.membership_id)
        if membership.state != MembershipState.ACTIVE or membership.person_id is None:
            continue
        person = ctx.s.get_one(Person, membership.person_id)
        tz = notify.person_timezone(person, family)

        def build(tr: Translator, zone: str = tz) -> OutboundMessage:
            return texts.meeting_cancelled(tr, family.alias, meeting.kind, tr.when(meeting.starts_at, zone))

        notify.to_person(ctx, person.id, family, build,
                         key=f"meeting:{meeting.id}:cancelled:{meeting.starts_at:%Y%m%dT%H%M}:{membership.id}",
                         purpose=OutboxPurpose.MEETING_CANCELLED, meeting_id=meeting.id)


def invite_to_upcoming(ctx: Ctx, family: Family, membership: Membership) -> None:
    """Someone who joins after a meeting was planned still gets its invitation."""
    for meeting in ctx.s.scalars(select(Meeting).join(MeetingInvitee, MeetingInvitee.meeting_id == Meeting.id)
                                 .where(MeetingInvitee.membership_id == membership.id, Meeting.cancelled.is_(False),
                                        Meeting.starts_at > ctx.now)):
        send_meeting_notice(ctx, meeting, family, membership, reminder=False,
                            key=f"meeting:{meeting.id}:invite:{meeting.starts_at:%Y%m%dT%H%M}:{membership.id}")


def send_meeting_notice(ctx: Ctx, meeting: Meeting, family: Family, membership: Membership, *, reminder: bool,
                        key: str) -> None:
    """An invitation, or a reminder: never to someone who said Can't come, and without the question (only a
    plain reminder) to someone who said Coming."""
    if membership.state != MembershipState.ACTIVE or membership.person_id is None:
        return
    reply = ctx.s.scalar(select(MeetingInvitee.reply).where(MeetingInvitee.meeting_id == meeting.id,
                                                            MeetingInvitee.membership_id == membership.id))
    if reply == MeetingReply.CANT_COME:
        return
    coming = reply == MeetingReply.COMING
    person = ctx.s.get_one(Person, membership.person_id)
    tz = notify.person_timezone(person, family)
    data = {r.value: make(ctx.secret, ButtonAction.MEETING, meeting.id, r.value) for r in MeetingReply}
    notify.to_person(ctx, person.id, family,
                     lambda tr: texts.meeting_notice(tr, family.alias, meeting.kind, tr.when(meeting.starts_at, tz),
                                                      meeting.place, data, reminder, coming),
                     key=key, purpose=OutboxPurpose.MEETING_REMINDER if reminder else OutboxPurpose.MEETING_INVITE,
                     meeting_id=meeting.id)


def reply_meeting(ctx: Ctx, actor: Actor, meeting_id: int, reply: str) -> Meeting:
    meeting = ctx.s.get(Meeting, meeting_id)
    if meeting is None or meeting.cancelled:
        raise NotFound("no_meeting", "this meeting is no longer planned")
    invitee = ctx.s.scalar(select(MeetingInvitee).join(Membership, Membership.id == MeetingInvitee.membership_id)
                           .where(MeetingInvitee.meeting_id == meeting.id, Membership.person_id == actor.person_id,
                                  Membership.state == MembershipState.ACTIVE))
    if invitee is None or actor.person_id is None:
        raise Refused("not_invited", "you are not invited to this meeting", family_id=meeting.family_id,
                      subject="meeting.reply")
    invitee.reply, invitee.replied_at = MeetingReply(reply).value, ctx.now
    audit.record(ctx, actor, "meeting.reply", family_id=meeting.family_id, subject=f"meeting:{meeting.id}",
                 detail=reply)
    ctx.s.flush()
    meeting_replies.update_staff(ctx, meeting, ctx.s.get_one(Family, meeting.family_id),
                                 key=f"meeting:{meeting.id}:replied:{invitee.membership_id}:{ctx.now:%Y%m%dT%H%M%S%f}")
    return meeting


def next_meeting_for(ctx: Ctx, person_id: int) -> tuple[Meeting, Family] | None:
    row = ctx.s.execute(select(Meeting, Family).join(MeetingInvitee, MeetingInvitee.meeting_id == Meeting.id)
                        .join(Membership, Membership.id == MeetingInvitee.membership_id)
                        .join(Family, Family.id == Meeting.family_id)
                        .where(Membership.person_id == person_id, Membership.state == MembershipState.ACTIVE,
                               Meeting.cancelled.is_(False), Meeting.starts_at > ctx.now)
                        .order_by(Meeting.starts_at).limit(1)).first()
    return (row[0], row[1]) if row else None


@dataclass
class MeetingView:
    id: int
    kind: str
    starts_at: datetime
    place: str
    cancelled: bool
    from_plan: bool  # listed in the plan file (change it there), or scheduled outside it
    replies: meeting_replies.Replies


def meetings_of(ctx: Ctx, actor: Actor, family_id: int, *, past: bool = False) -> list[MeetingView]:
    """The family's meetings still to come (and, with `past`, those held or cancelled too), soonest first."""
    from bot.services.families import get_family, require_staff

    family = get_family(ctx, family_id)
    require_staff(ctx, actor, family.id, "meeting.list")
    query = select(Meeting).where(Meeting.family_id == family.id).order_by(Meeting.starts_at, Meeting.id)
    if not past:
        query = query.where(Meeting.cancelled.is_(False), Meeting.starts_at > ctx.now)
    in_plan = plan_meeting_keys(ctx, family.id)
    return [MeetingView(m.id, m.kind, m.starts_at, m.place, m.cancelled, m.key in in_plan,
                        meeting_replies.replies_to(ctx, m.id)) for m in ctx.s.scalars(query)]


def plan_meeting_keys(ctx: Ctx, family_id: int) -> set[str]:
    """The meetings the family's current plan lists (by their stable key)."""
    from bot.planfile import MeetingSpec

    latest = ctx.s.scalar(select(PlanVersion).where(PlanVersion.family_id == family_id)
                          .order_by(PlanVersion.number.desc()).limit(1))
    return {MeetingSpec.model_validate(m).stable_key for m in (latest.content.get("meeting", []) if latest else [])}


def cancel_meeting(ctx: Ctx, actor: Actor, meeting_id: int) -> bool:
    """Cancel a meeting still to come; its invitees who joined are told. False if it was already cancelled.
    A meeting the plan file lists is cancelled by removing it from the plan (else the next apply brings it
    back): refused here with that advice."""
    from bot.services.families import require_staff

    meeting = ctx.s.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound("no_meeting", f"no meeting {meeting_id}")
    require_staff(ctx, actor, meeting.family_id, "meeting.cancel")
    if meeting.cancelled:
        return False
    if meeting.starts_at <= ctx.now:
        raise InvalidInput("in_past", "this meeting has already taken place")
    if meeting.key in plan_meeting_keys(ctx, meeting.family_id):
        raise InvalidInput("in_plan", f"meeting {meeting.id} is in the plan file ({meeting.key}): remove it there "
                                      "and apply the plan again")
    meeting.cancelled = True
    family = ctx.s.get_one(Family, meeting.family_id)
    tell_cancelled(ctx, meeting, family)
    audit.record(ctx, actor, "meeting.cancel", family_id=family.id, subject=f"meeting:{meeting.id}")
    return True
