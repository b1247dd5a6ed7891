"""What each button does when pressed (the handlers of the registry in bot/conversation/buttons.py)."""

from __future__ import annotations

from bot.conversation import replies, text
from bot.conversation.buttons import ButtonAction, Press, handles, make
from bot.domain.vocabulary import OutboxPurpose, PendingReplyKind
from bot.services import checkins, invites, meetings, membership, notify, people, staff_replies
from bot.services.errors import Refused
from messages import members as member_texts
from messages import relay as relay_texts
from messages import render
from messages.outbound import Button, OutboundMessage
from storage.models import OutboxMessage

# The presses a chat not yet linked to a person may make: consent, and Show/Hide on its own (discreet) consent request.
ANYONE = frozenset({ButtonAction.CONSENT, ButtonAction.SHOW, ButtonAction.HIDE})


@handles(ButtonAction.CONSENT)
def consent(p: Press) -> None:
    ctx, identity, invite_id = p.ctx, p.identity, p.pressed.number(0)
    if p.pressed.word(1) != "y":
        closed = invites.decline_invite(ctx, invite_id, identity.platform, identity.external_id)
        if closed:
            notify.to_identity(ctx, identity, lambda tr: render.invite_problem(tr, closed), key=p.key)
            return
        notify.to_identity(ctx, identity, render.declined, key=p.key)
        return
    result = invites.accept_invite(ctx, invite_id, identity.platform, identity.external_id, p.display_name)
    if result.problem:
        problem = result.problem
        notify.to_identity(ctx, identity, lambda tr: render.invite_problem(tr, problem), key=p.key)


@handles(ButtonAction.CHECKIN)
def checkin_answer(p: Press) -> None:
    checkins.answer_checkin(p.ctx, p.member(), p.pressed.number(0), p.pressed.word(1))


@handles(ButtonAction.NOTE)
def checkin_note(p: Press) -> None:
    checkin, *_ = checkins.own_checkin(p.ctx, p.member(), p.pressed.number(0))
    text.expect(p.ctx, p.identity, text.Pending(PendingReplyKind.CHECKIN_NOTE, checkin_id=checkin.id))
    notify.to_identity(p.ctx, p.identity, render.note_prompt, key=p.key)


@handles(ButtonAction.MEETING)
def meeting_reply(p: Press) -> None:
    reply = p.pressed.word(1)
    meetings.reply_meeting(p.ctx, p.member(), p.pressed.number(0), reply)
    notify.to_identity(p.ctx, p.identity, lambda tr: render.meeting_reply_recorded(tr, reply), key=p.key)


@handles(ButtonAction.ACK)
def acknowledge(p: Press) -> None:
    replies.acknowledge(p.ctx, p.identity, p.member(), p.pressed.number(0), p.key)


@handles(ButtonAction.RESOLVE)
def resolve(p: Press) -> None:
    """Resolving needs a note: ask for it (the next typed text is the note)."""
    escalation_id = p.pressed.number(0)
    if not replies.may_resolve(p.ctx, p.member(), escalation_id):
        replies.already_handled(p.ctx, p.identity, p.key)
        return
    text.expect(p.ctx, p.identity, text.Pending(PendingReplyKind.RESOLVE_NOTE, escalation_id=escalation_id))
    notify.to_identity(p.ctx, p.identity, render.resolve_note_prompt, key=p.key, urgent=True)


def _own_discreet(p: Press, subject: str) -> OutboxMessage:
    """The discreet message a Show or Hide was pressed on: only ever the pressing chat's own."""
    row = p.ctx.s.get(OutboxMessage, p.pressed.number(0))
    if row is None or row.identity_id != p.identity.id or not row.payload.get("discreet"):
        raise Refused("not_yours", "not your message", subject=subject)
    return row


@handles(ButtonAction.SHOW)
def reveal(p: Press) -> None:
    """A discreet member tapped Show: the same message, in place, with its details and a Hide button."""
    row = _own_discreet(p, "message.reveal")
    message = OutboundMessage.from_payload(row.payload)
    hide = Button(message.hide_label, make(p.ctx.secret, ButtonAction.HIDE, row.id))
    message.discreet, message.edit_of, message.buttons = False, row.id, [*message.buttons, [hide]]
    notify.enqueue(p.ctx, p.identity.id, message, key=f"reveal:{p.key}", purpose=OutboxPurpose.REPLY,
                   family_id=row.family_id, priority=row.priority)


@handles(ButtonAction.HIDE)
def hide(p: Press) -> None:
    """A discreet member tapped Hide on a message they had revealed: back to its neutral line and Show."""
    row = _own_discreet(p, "message.hide")
    message = OutboundMessage.from_payload(row.payload)
    message.edit_of = row.id
    notify.enqueue(p.ctx, p.identity.id, message, key=f"hide:{p.key}", purpose=OutboxPurpose.REPLY,
                   family_id=row.family_id, priority=row.priority)


@handles(ButtonAction.REPLY)
def reply(p: Press) -> None:
    """Staff pressed Reply on a member's relayed message: their next typed text is the answer."""
    row = staff_replies.message_to_answer(p.ctx, p.member(), p.pressed.number(0))
    text.expect(p.ctx, p.identity, text.Pending(PendingReplyKind.STAFF_REPLY, message_id=row.id))
    member = staff_replies.member_name(p.ctx, row)
    notify.to_identity(p.ctx, p.identity, lambda tr: relay_texts.reply_prompt(tr, member), key=p.key, urgent=True)


@handles(ButtonAction.LANGUAGE)
def language(p: Press) -> None:
    people.set_language(p.ctx, p.member(), p.pressed.word(0))
    notify.to_identity(p.ctx, p.identity, render.language_set, key=p.key)


@handles(ButtonAction.LEAVE)
def leave(p: Press) -> None:
    """The answer to "Do you want to leave?": yes leaves every network (the caseworker is told), no changes
    nothing. Pressed again after leaving, there is nothing left to leave."""
    actor = p.member()
    if p.pressed.word(0) != "y":
        notify.to_identity(p.ctx, p.identity, member_texts.stop_cancelled, key=p.key)
    elif not membership.leave(p.ctx, actor):
        notify.to_identity(p.ctx, p.identity, member_texts.not_in_network, key=p.key)
