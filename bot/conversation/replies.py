"""Acknowledge, resolve and add a note: the one implementation of each, and its one reply, whatever the
platform (a Telegram or console button, a Slack button, the note typed after a prompt or written in a
Slack modal all end here)."""

from __future__ import annotations

from bot.domain.vocabulary import EscalationState
from bot.services import checkins, escalations, notify, staff_replies
from bot.services.context import Actor, Ctx
from bot.services.families import require_staff
from messages import relay as relay_texts
from messages import render
from storage.models import ChatIdentity

ACKNOWLEDGED, RESOLVED, ALREADY = "acknowledged", "resolved", "x"


def _reply(ctx: Ctx, identity: ChatIdentity, what: str, key: str) -> None:
    notify.to_identity(ctx, identity, lambda tr: render.staff_ack_done(tr, what), key=key, urgent=True)


def acknowledge(ctx: Ctx, identity: ChatIdentity, actor: Actor, escalation_id: int, key: str) -> bool:
    done = escalations.acknowledge(ctx, actor, escalation_id)
    _reply(ctx, identity, ACKNOWLEDGED if done else ALREADY, key)
    return done


def may_resolve(ctx: Ctx, actor: Actor, escalation_id: int) -> bool:
    """Refused unless the actor staffs the family; False when it is already resolved."""
    esc = escalations.get_escalation(ctx, escalation_id)
    require_staff(ctx, actor, esc.family_id, "escalation.resolve")
    return esc.state != EscalationState.RESOLVED


def resolve(ctx: Ctx, identity: ChatIdentity, actor: Actor, escalation_id: int, note: str, key: str) -> bool:
    done = escalations.resolve(ctx, actor, escalation_id, note)
    _reply(ctx, identity, RESOLVED if done else ALREADY, key)
    return done


def already_handled(ctx: Ctx, identity: ChatIdentity, key: str) -> None:
    _reply(ctx, identity, ALREADY, key)


def add_note(ctx: Ctx, identity: ChatIdentity, actor: Actor, checkin_id: int, note: str, key: str) -> bool:
    """The member's note on a check-in, and "saved" to the chat that wrote it (at once, never held). False
    when the check-in's notes are full (checkins.NOTES_TOTAL_MAX): nothing said, the caller passes it on."""
    checkin = checkins.add_note(ctx, actor, checkin_id, note)
    if checkin is None:
        return False
    if note.strip():
        notify.to_identity(ctx, identity, render.note_saved, key=key, checkin_id=checkin.id)
    return True


def staff_reply(ctx: Ctx, identity: ChatIdentity, actor: Actor, message_id: int, text: str, key: str,
                sign: bool = False) -> staff_replies.Replied:
    """A member of staff answers a member's message; "sent" goes to the chat that wrote it."""
    done = staff_replies.reply_to_member(ctx, actor, message_id, text, sign)
    notify.to_identity(ctx, identity, lambda tr: relay_texts.reply_sent(tr, done.member), key=key, urgent=True)
    return done
