"""The two-way relay between a family's network and the staff who hold the family.

A member's message the bot does not act on reaches the caseworker (or, while they are away, the worker
covering: their named cover, else duty; then supervisor and duty if nobody before can be reached by chat)
in one thread per member and staff chat (`relay_threads`: the first relayed message is the root, later
ones reply under it). Out of the family's working hours an ordinary message waits for the morning (the
outbox row's not-before); a worry is escalated as always and its copy goes to the thread of the person
alerted at once. Staff answer in the thread, with Reply, with `/familyteam reply`, or through the scenario
kit; the answer goes to the member marked with the replier's role (and first name if they choose), and is
kept in conversation_messages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from bot.buttons import ButtonAction, make
from bot.domain.avoid import named_avoided
from bot.domain.hours import next_working_start
from bot.domain.routing import RelayTarget, relay_order
from bot.domain.vocabulary import OutboxPurpose, OutboxState, Priority, TakenAs
from bot.services import notify, protected
from bot.services.context import Ctx
from bot.services.conversation import MAX_TEXT
from bot.services.families import staff_on_call
from messages import relay as texts
from messages.catalog import translator
from storage.models import ChatIdentity, ConversationMessage, Family, Membership, OutboxMessage, Person, RelayThread

RELAY_CUT = 1500  # characters of a member's message shown in the thread (the record keeps it whole)


@dataclass(frozen=True)
class Relayed:
    """Who a message was passed on to (an outbox row exists for them) and when they will see it."""

    person_id: int
    role: str
    at: datetime  # now, or the start of working hours
    outbox_id: int
    held: bool


def view(ctx: Ctx, row: ConversationMessage, reader: Person, family: Family, *, held: bool = False,
         worry: bool = False, avoided: str | None = None) -> texts.RelayView:
    membership = ctx.s.get_one(Membership, row.membership_id)
    zone = notify.person_timezone(reader, family)
    tr = translator(notify.person_language(reader, family))
    return texts.RelayView(
        alias=family.alias, member=membership.name, when=tr.when(row.at, zone), text=row.text, length=row.length,
        edited=row.edited, forwarded=row.forwarded, forwarded_from=row.forwarded_from, media=row.media,
        language_known=row.language is not None, worry=worry, too_long=row.taken_as == TakenAs.TOO_LONG,
        limit=MAX_TEXT, cut_at=RELAY_CUT, held=held, reply=make(ctx.secret, ButtonAction.REPLY, row.id),
        avoided=avoided)


def _thread(ctx: Ctx, row: ConversationMessage, identity_id: int) -> RelayThread | None:
    return ctx.s.scalar(select(RelayThread).where(
        RelayThread.family_id == row.family_id, RelayThread.membership_id == row.membership_id,
        RelayThread.identity_id == identity_id))


def _post(ctx: Ctx, row: ConversationMessage, target: RelayTarget, family: Family, at: datetime, *,
          urgent: bool, worry: bool, avoided: str | None = None) -> Relayed | None:
    """The message in this person's thread for the member (its root if there is none yet)."""
    person = ctx.s.get_one(Person, target.person)
    identities = notify.reachable_identities(ctx, person.id)
    if not identities:
        return None
    identity = identities[0]
    tr = translator(notify.person_language(person, family))
    message = texts.relay_message(tr, view(ctx, row, person, family, held=at > ctx.now, worry=worry,
                                                          avoided=avoided))
    notify.dress(message, person, tr)
    thread = _thread(ctx, row, identity.id)
    if thread is not None:
        root = ctx.s.get(OutboxMessage, thread.root_outbox_id)
        # An urgent copy never waits behind a root still held for the morning: it goes on its own.
        if root is not None and not (urgent and root.state != OutboxState.SENT):
            message.thread_of = root.id
    oid = notify.enqueue(ctx, identity.id, message, key=f"relay:{row.id}:{int(worry)}@{identity.id}",
                         family_id=family.id, purpose=OutboxPurpose.RELAY,
                         priority=Priority.URGENT if urgent else Priority.NORMAL, not_before=at)
    if oid is None:
        return None
    if thread is None:
        ctx.s.add(RelayThread(family_id=family.id, membership_id=row.membership_id, identity_id=identity.id,
                              root_outbox_id=oid, created_at=ctx.now))
        ctx.s.flush()
    return Relayed(person.id, target.role, at, oid, at > ctx.now)


def relay(ctx: Ctx, row: ConversationMessage) -> Relayed | None:
    """Pass an ordinary message on to whoever holds the family now (held for their working hours). One that names
    someone on the people-to-avoid list is an alert: it goes at once, saying so."""
    family = ctx.s.get_one(Family, row.family_id)
    avoided = named_avoided(row.text, protected.people_to_avoid(ctx, family.id))
    at = ctx.now if avoided else next_working_start(ctx.now, family.timezone, family.work_start, family.work_end,
                                                     family.work_days)
    for target in relay_order(staff_on_call(ctx, family)):
        done = _post(ctx, row, target, family, at, urgent=bool(avoided), worry=False, avoided=avoided)
        if done is not None:
            row.relayed_role = done.role  # whose hands it reached: the caseworker's morning picture
            return done
    return None


def relay_worry(ctx: Ctx, row: ConversationMessage, person_id: int, role: str) -> Relayed | None:
    """A copy of a worry in the thread of the person its escalation alerted (the alert itself is separate)."""
    family = ctx.s.get_one(Family, row.family_id)
    return _post(ctx, row, RelayTarget(person_id, role), family, ctx.now, urgent=True, worry=True)


def told(ctx: Ctx, done: Relayed | None, member_person: Person, family: Family) -> texts.Told | None:
    """What the member is told about who will see it and when, in their own zone (None: nobody)."""
    if done is None:
        return None
    if not done.held:
        return texts.Told(done.role)
    tr = translator(notify.person_language(member_person, family))
    return texts.Told(done.role, tr.when(done.at, notify.person_timezone(member_person, family)))


def thread_at(ctx: Ctx, identity: ChatIdentity, ref: str) -> RelayThread | None:
    """The relay thread whose root this staff chat received as message `ref` (a platform's "channel:ts")."""
    return ctx.s.scalar(select(RelayThread).join(OutboxMessage, OutboxMessage.id == RelayThread.root_outbox_id)
                        .where(RelayThread.identity_id == identity.id, OutboxMessage.external_ref == ref[:128]))

