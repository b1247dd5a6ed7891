"""Who is coming: the caseworker's view of a meeting's replies, one message edited in place as replies arrive
(like an escalation's alert), and the same picture for `familyteam status`."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from bot.domain.vocabulary import MeetingReply, OutboxPurpose, Priority, Role
from bot.services import notify
from bot.services.context import Ctx
from bot.services.families import staff_person
from messages import staff as texts
from messages.catalog import Translator, translator
from messages.outbound import OutboundMessage
from storage.models import ChatIdentity, Family, Meeting, MeetingInvitee, Membership, OutboxMessage, Person


@dataclass
class Replies:
    """Invitees by name: who said Coming, who said Can't come, who has not answered."""

    coming: list[str] = field(default_factory=list)
    cant_come: list[str] = field(default_factory=list)
    not_answered: list[str] = field(default_factory=list)


def replies_to(ctx: Ctx, meeting_id: int) -> Replies:
    found = Replies()
    for name, reply in ctx.s.execute(select(Membership.name, MeetingInvitee.reply)
                                     .join(Membership, Membership.id == MeetingInvitee.membership_id)
                                     .where(MeetingInvitee.meeting_id == meeting_id).order_by(Membership.name)):
        lists: dict[str | None, list[str]] = {MeetingReply.COMING: found.coming,
                                              MeetingReply.CANT_COME: found.cant_come}
        lists.get(reply, found.not_answered).append(name)
    return found


def _render(meeting: Meeting, family: Family, replies: Replies, person: Person) -> notify.Render:
    tz = notify.person_timezone(person, family)

    def build(tr: Translator) -> OutboundMessage:
        return texts.meeting_replies(tr, family.alias, meeting.kind, tr.when(meeting.starts_at, tz), meeting.place,
                                     replies.coming, replies.cant_come, replies.not_answered)

    return build


def _views_sent(ctx: Ctx, meeting_id: int) -> list[tuple[int, int, Person]]:
    """(outbox id, identity id, person) of the newest view of this meeting in each staff chat that has one."""
    newest = (select(func.max(OutboxMessage.id)).where(OutboxMessage.meeting_id == meeting_id,
                                                       OutboxMessage.kind == OutboxPurpose.MEETING_REPLIES)
              .group_by(OutboxMessage.identity_id))
    rows = ctx.s.execute(select(OutboxMessage.id, OutboxMessage.identity_id, Person)
                         .join(ChatIdentity, ChatIdentity.id == OutboxMessage.identity_id)
                         .join(Person, Person.id == ChatIdentity.person_id)
                         .where(OutboxMessage.id.in_(newest)).order_by(OutboxMessage.id))
    return [(oid, identity_id, person) for oid, identity_id, person in rows]


def show_staff(ctx: Ctx, meeting: Meeting, family: Family) -> None:
    """A new view of the replies for the caseworker (when invitations go out, or the time moved)."""
    caseworker = staff_person(ctx, family.id, Role.CASEWORKER)
    person = ctx.s.get(Person, caseworker) if caseworker else None
    if person is None:
        return
    notify.to_person(ctx, person.id, family, _render(meeting, family, replies_to(ctx, meeting.id), person),
                     key=f"meeting:{meeting.id}:replies:{meeting.starts_at:%Y%m%dT%H%M}",
                     purpose=OutboxPurpose.MEETING_REPLIES, meeting_id=meeting.id)


def update_staff(ctx: Ctx, meeting: Meeting, family: Family, *, key: str) -> None:
    """A reply arrived: every view of this meeting is edited in place (a new one if staff have none yet)."""
    views = _views_sent(ctx, meeting.id)
    if not views:
        show_staff(ctx, meeting, family)
        return
    replies = replies_to(ctx, meeting.id)
    out = []
    for parent, identity_id, person in views:
        message = _render(meeting, family, replies, person)(translator(notify.person_language(person, family)))
        message.edit_of = parent
        out.append((identity_id, message, f"{key}@{identity_id}"))
    notify.enqueue_many(ctx, out, notify.Link(OutboxPurpose.MEETING_REPLIES_UPDATE, meeting_id=meeting.id),
                        family_id=family.id, priority=Priority.NORMAL)
