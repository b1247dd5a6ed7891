"""A member of staff answers a member: only staff of that family, never to someone on the plan's people-to-avoid
list or no longer in the network; sent at once (it answers something the member wrote), marked with the
replier's role in the family and, if they choose, their first name; kept in conversation_messages."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from sqlalchemy import select

from bot.domain.routing import is_away
from bot.domain.text import clean_text
from bot.domain.vocabulary import Direction, MembershipState, OutboxPurpose, Role, TakenAs
from bot.services import audit, notify, protected
from bot.services.context import Actor, Ctx
from bot.services.errors import InvalidInput, NotFound, Refused
from bot.services.families import require_staff, staff_person, staff_roles_in
from bot.services.invites import is_avoided, people_to_avoid
from messages import relay as texts
from storage.models import ConversationMessage, Family, Membership, Person

MAX_REPLY = 3500  # characters: the member's chat shows it in one message with its heading


@dataclass(frozen=True)
class Replied:
    member: str
    message_id: int


def replier_role(ctx: Ctx, person_id: int, family_id: int) -> str:
    """The role a reply is signed with: the replier's staff role in the family (the highest), "cover" for an
    away caseworker's cover, else "duty" (the agency's duty contact)."""
    roles = staff_roles_in(ctx, person_id, family_id)
    for role in (Role.CASEWORKER, Role.SUPERVISOR, Role.DUTY):
        if role.value in roles:
            return role.value
    caseworker = staff_person(ctx, family_id, Role.CASEWORKER)
    cw = ctx.s.get(Person, caseworker) if caseworker else None
    if cw is not None and cw.cover_person_id == person_id and is_away(cw.away_until, ctx.now):
        return "cover"
    return Role.DUTY.value


def _reply_text(text: str) -> str:
    clean = clean_text(text).strip()
    if not clean:
        raise InvalidInput("reply_empty", "please write the reply")
    if len(clean) > MAX_REPLY:
        raise InvalidInput("reply_too_long", f"a reply can be at most {MAX_REPLY} characters "
                                             f"(this one has {len(clean)}); please send it in parts")
    return clean


def message_to_answer(ctx: Ctx, actor: Actor, message_id: int) -> ConversationMessage:
    """A member's message that this member of staff may answer (refused unless they staff its family)."""
    row = ctx.s.get(ConversationMessage, message_id)
    if row is None or row.direction != Direction.FROM_MEMBER:
        raise NotFound("no_message", f"no message {message_id}")
    require_staff(ctx, actor, row.family_id, "relay.reply")
    return row


def member_name(ctx: Ctx, row: ConversationMessage) -> str:
    return ctx.s.get_one(Membership, row.membership_id).name


def reply_to_member(ctx: Ctx, actor: Actor, message_id: int, text: str, sign: bool = False) -> Replied:
    """Answer the member who wrote message `message_id`."""
    row = message_to_answer(ctx, actor, message_id)
    assert actor.person_id is not None or actor.operator
    membership = ctx.s.get_one(Membership, row.membership_id)
    family = ctx.s.get_one(Family, row.family_id)
    if membership.state != MembershipState.ACTIVE or membership.person_id is None:
        raise InvalidInput("member_gone", f"{membership.name} is no longer in the network")
    if is_avoided(membership.name, people_to_avoid(ctx, family.id)):
        raise Refused("person_to_avoid", "this person is on the plan's people-to-avoid list",
                      family_id=family.id, subject="relay.reply")
    clean = _reply_text(text)
    protected.check(ctx, family.id, [("the reply", clean)])
    author = actor.person_id
    role = replier_role(ctx, author, family.id) if author else Role.CASEWORKER.value
    name = ctx.s.get_one(Person, author).display_name.split()[0] if (sign and author) else None
    out = ConversationMessage(
        family_id=family.id, membership_id=membership.id, direction=Direction.TO_MEMBER,
        author_person_id=author or membership.person_id, author_role=role, signed=bool(name),
        at=ctx.now, language=None, text=clean, length=len(clean), edited=False, forwarded=False,
        taken_as=TakenAs.STAFF_REPLY)
    ctx.s.add(out)
    ctx.s.flush()
    sent = notify.to_person(ctx, membership.person_id, family, partial(texts.staff_reply, role=role, name=name,
                                                                       text=clean),
                            key=f"staffreply:{out.id}", purpose=OutboxPurpose.STAFF_REPLY)
    if not sent:
        raise InvalidInput("member_unreachable", f"{membership.name} cannot be reached by chat now (they may have "
                                                 "blocked the bot); nothing was sent")
    out.identity_id = next(iter(sent))
    audit.record(ctx, actor, "relay.reply", family_id=family.id, subject=f"message:{out.id}", detail=role)
    return Replied(membership.name, out.id)


def latest_member_message(ctx: Ctx, family_id: int) -> ConversationMessage | None:
    """The newest message a member of this family wrote: a reply by family name goes to its writer."""
    return ctx.s.scalar(select(ConversationMessage).where(
        ConversationMessage.family_id == family_id, ConversationMessage.direction == Direction.FROM_MEMBER)
        .order_by(ConversationMessage.id.desc()).limit(1))


def reply_in_thread(ctx: Ctx, actor: Actor, family_id: int, membership_id: int, text: str) -> Replied:
    """A reply written in a member's relay thread: to that member (their newest message)."""
    row = ctx.s.scalar(select(ConversationMessage).where(
        ConversationMessage.family_id == family_id, ConversationMessage.membership_id == membership_id,
        ConversationMessage.direction == Direction.FROM_MEMBER).order_by(ConversationMessage.id.desc()).limit(1))
    if row is None:
        raise NotFound("no_message", "nothing to reply to in this thread")
    return reply_to_member(ctx, actor, row.id, text)
