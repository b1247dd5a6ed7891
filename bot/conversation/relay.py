"""What a person wrote (text, a caption, a voice note, photo, ...; an edit; a forward): kept, acted on, or
passed on to a person. Never "I didn't understand" on its own.

For a member of a family's network, in this order: an empty message is ignored (nothing stored); a message
over the limit is refused with a clear reply, its start kept and passed on (and a worry in it escalates
all the same); an edit of the message that became a check-in note updates the note; everything else is
stored (bot.services.conversation), then a forward is never an answer or a command (a forwarded worry
escalates, labelled forwarded; anything else is passed on marked "forwarded by"); a voice note or photo
without words is passed on as "arrived" and the member asked to type; text is read by
bot.conversation.text (worries, command words, answers, notes), and what it does not act on is passed on
(bot.services.relay). The member is told truthfully who will see it and when.

For anyone else: staff replying in a member's thread answer that member; other staff text is read by
bot.conversation.text (a resolve note, a reply after pressing Reply, command words) or gets a hint;
someone in no family's network gets a short neutral reply, and nothing is stored or passed on."""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import select

from bot.conversation import text
from bot.conversation.worry import is_worry
from bot.domain.vocabulary import TakenAs
from bot.ports import Inbound
from bot.services import checkins, conversation, handover, notify, relay, staff
from bot.services.context import Actor, Ctx
from bot.services.conversation import MAX_TEXT, Said
from bot.services.staff_replies import reply_in_thread
from messages import relay as texts
from messages import render
from messages import summaries as summary_texts
from messages.catalog import Translator
from messages.outbound import OutboundMessage
from storage.models import ChatIdentity, ConversationMessage, Escalation, EscalationNotice, Family, Membership, Person

log = logging.getLogger(__name__)

Reply = Callable[[Translator, texts.Told | None], OutboundMessage]


def said_of(event: Inbound) -> Said:
    return Said(event.text, event.edited, event.forwarded_from, event.media.value if event.media else None,
                event.message_ref)


def on_text(ctx: Ctx, identity: ChatIdentity, actor: Actor, event: Inbound, key: str) -> None:
    said = said_of(event)
    if said.empty:
        log.info("inbound %s:%s: empty, ignored", event.platform, event.event_id)
        return
    assert actor.person_id is not None
    memberships = conversation.network_memberships(ctx, actor.person_id)
    if memberships:
        _member(ctx, identity, actor, memberships, said, key)
    else:
        _anyone_else(ctx, identity, actor, said, event.thread, key)


# --- a member of a family's network -------------------------------------------------------------------

def _member(ctx: Ctx, identity: ChatIdentity, actor: Actor, memberships: list[Membership], said: Said,
            key: str) -> None:
    if said.too_long:
        _too_long(ctx, identity, actor, memberships, said, key)
        return
    prior = conversation.earlier(ctx, identity, said.platform_ref) if said.edited else []
    if _edits_a_note(ctx, identity, actor, memberships, said, prior, key):
        return
    rows = conversation.store(ctx, actor, identity, memberships, said, TakenAs.RELAYED,
                              {r.family_id: r.id for r in prior})
    ids = {r.family_id: r.id for r in rows}
    if said.forwarded:  # someone else's words: never an answer or a command
        if is_worry(said.clean):
            _worry(ctx, rows, text.raise_worry(ctx, identity, actor, said.clean, key, ids))
        else:
            _pass_on(ctx, identity, actor, rows, key, lambda tr, told: texts.relayed_reply(
                tr, told, _emergency(ctx, rows)))
        return
    if not said.clean:  # a voice note, photo, ... without words
        media = said.media or "other"
        conversation.taken(rows, TakenAs.MEDIA)
        _pass_on(ctx, identity, actor, rows, key, lambda tr, told: texts.media_reply(
            tr, media, told, _emergency(ctx, rows)))
        return
    handled = text.handle_text(ctx, identity, actor, said.clean, key, ids)
    if handled.taken is None:
        _pass_on(ctx, identity, actor, rows, key, lambda tr, told: texts.relayed_reply(
            tr, told, _emergency(ctx, rows)))
        return
    conversation.taken(rows, handled.taken, handled.checkin_id)
    if handled.taken == TakenAs.WORRY:
        _worry(ctx, rows, handled.escalations)
    elif said.media:  # a caption acted on (an answer, a note): staff still see that a photo arrived
        for row in rows:
            relay.relay(ctx, row)


def _emergency(ctx: Ctx, rows: list[ConversationMessage]) -> str:
    return ctx.s.get_one(Family, rows[0].family_id).emergency_number


def _pass_on(ctx: Ctx, identity: ChatIdentity, actor: Actor, rows: list[ConversationMessage], key: str,
             reply: Reply) -> None:
    """Relay to each family's staff, and tell the member who will see it and when (the first family's)."""
    done = [relay.relay(ctx, row) for row in rows]
    first = next(((d, row) for d, row in zip(done, rows, strict=True) if d is not None), None)
    if first is None:
        log.error("message(s) %s: nobody on the family's team can be reached by chat", [r.id for r in rows])
    person = ctx.s.get_one(Person, actor.person_id)
    family = ctx.s.get_one(Family, (first[1] if first else rows[0]).family_id)
    told = relay.told(ctx, first[0] if first else None, person, family)
    notify.to_identity(ctx, identity, lambda tr: reply(tr, told), key=key, family=family)


def _worry(ctx: Ctx, rows: list[ConversationMessage], opened: list[Escalation]) -> None:
    """A worry: stored as one, and a copy in the thread of whoever its escalation alerted."""
    conversation.taken(rows, TakenAs.WORRY)
    by_family = {row.family_id: row for row in rows}
    for esc in opened:
        row = by_family.get(esc.family_id)
        notice = ctx.s.scalar(select(EscalationNotice).where(EscalationNotice.escalation_id == esc.id)
                              .order_by(EscalationNotice.step).limit(1))
        if row is not None and notice is not None:
            relay.relay_worry(ctx, row, notice.person_id, notice.role)


def _too_long(ctx: Ctx, identity: ChatIdentity, actor: Actor, memberships: list[Membership], said: Said,
              key: str) -> None:
    """Refused with a clear reply; the start is kept and passed on, and a worry in it still escalates."""
    rows = conversation.store(ctx, actor, identity, memberships, said, TakenAs.TOO_LONG)
    length = len(said.clean)
    if is_worry(said.clean) and not said.forwarded:
        _worry(ctx, rows, text.raise_worry(ctx, identity, actor, said.clean[:MAX_TEXT], key,
                                           {r.family_id: r.id for r in rows}))
        conversation.taken(rows, TakenAs.TOO_LONG)
    _pass_on(ctx, identity, actor, rows, f"{key}:long", lambda tr, told: texts.too_long_reply(
        tr, length, MAX_TEXT, told, _emergency(ctx, rows)))


def _edits_a_note(ctx: Ctx, identity: ChatIdentity, actor: Actor, memberships: list[Membership], said: Said,
                  prior: list[ConversationMessage], key: str) -> bool:
    """An edit of the message that became a check-in note (and is no worry now) updates that note."""
    notes = [r for r in prior if r.taken_as == TakenAs.NOTE and r.checkin_id is not None]
    if not notes or not said.clean or is_worry(said.clean) or said.forwarded:
        return False
    rows = conversation.store(ctx, actor, identity, memberships, said, TakenAs.NOTE,
                              {r.family_id: r.id for r in prior})
    for old in notes:
        assert old.checkin_id is not None
        checkins.replace_note(ctx, actor, old.checkin_id, old.text, said.clean)
        for row in rows:
            if row.family_id == old.family_id:
                row.checkin_id = old.checkin_id
    notify.to_identity(ctx, identity, texts.note_updated, key=key)
    return True


# --- staff, and anyone else ---------------------------------------------------------------------------

def _anyone_else(ctx: Ctx, identity: ChatIdentity, actor: Actor, said: Said, thread: str | None, key: str) -> None:
    found = relay.thread_at(ctx, identity, thread) if thread else None
    if found is not None and said.clean:
        done = reply_in_thread(ctx, actor, found.family_id, found.membership_id, said.clean)
        root = found.root_outbox_id

        def sent(tr: Translator) -> OutboundMessage:
            message = texts.reply_sent(tr, done.member)
            message.thread_of = root
            return message

        notify.to_identity(ctx, identity, sent, key=key, urgent=True)
        return
    if not said.clean:
        notify.to_identity(ctx, identity, render.typed_only, key=key)
        return
    if text.handle_text(ctx, identity, actor, said.clean, key).taken is not None:
        return
    handed = handover.thread_at(ctx, identity, thread) if thread else None
    if handed is not None:  # a reply under a family's handovers: say it goes nowhere, and where replies go
        alias = ctx.s.get_one(Family, handed.family_id).alias
        root = handed.root_outbox_id

        def nowhere(tr: Translator) -> OutboundMessage:
            message = summary_texts.handover_reply(tr, alias)
            message.thread_of = root
            return message

        notify.to_identity(ctx, identity, nowhere, key=key)
        return
    assert actor.person_id is not None
    is_staff = bool(staff.staff_families(ctx, actor.person_id))
    notify.to_identity(ctx, identity, texts.staff_hint if is_staff else texts.not_in_network, key=key)
