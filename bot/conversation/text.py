"""Typed words: worries in plain words, commands and answers in words ("stop", "done", "worried: ..."), the
note a chat was asked for, and an honest reply to everything else.

What a typed message is, in this order: the resolve note staff were asked for; a command word that is the
whole message ("help", "stop"); a worry (the word "worried" first, or worry anywhere: bot.conversation.worry),
handled like the Worried button; the check-in note the member was asked for; a command word with a typo;
an answer ("done", "no pude", "zrobione"); text straight after an answer (its note). Anything else is not
acted on here: bot.conversation.relay passes it on to the staff who hold the family. A member of staff's
reply after pressing Reply on a relayed message is also a pending reply.

"Waiting for a note" is a row in `pending_replies` (one per chat, expiring an hour after the question);
the next typed text of that chat is taken as the note and the row is gone."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial

from sqlalchemy import delete, select

from bot.conversation import commands, replies
from bot.conversation.words import answer_words, command_word, tokens
from bot.conversation.worry import is_worry
from bot.domain.vocabulary import EscalationReason, MembershipState, PendingReplyKind, TakenAs
from bot.services import checkins, escalations, notify
from bot.services.context import Actor, Ctx
from bot.services.errors import ServiceError
from messages import render
from storage.models import ChatIdentity, Checkin, Escalation, Family, Membership, PendingReply

PENDING_FOR = timedelta(hours=1)

SIGNS = {"✅": "done", "❌": "not_done", "⚠️": "worried", "⚠": "worried"}  # the buttons' icons, typed
WORRIED = "worried"


def parse_answer(text: str) -> tuple[str | None, str | None]:
    """("worried", "the note") from free text, or (None, None) if it does not start with an answer.
    The words are every language's answer_words.txt (bot.conversation.words): typos and accents forgiven."""
    clean = text.strip()
    for sign, answer in SIGNS.items():
        if clean.startswith(sign):
            return answer, clean[len(sign):].lstrip(" ,.:;!-").strip() or None
    return answer_words(clean)


# --- the pending reply ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Pending:
    kind: PendingReplyKind
    checkin_id: int | None = None
    escalation_id: int | None = None
    message_id: int | None = None


def expect(ctx: Ctx, identity: ChatIdentity, pending: Pending) -> None:
    """Take this chat's next typed text as `pending` (replacing anything it was asked before)."""
    ctx.s.execute(delete(PendingReply).where(PendingReply.identity_id == identity.id))
    ctx.s.add(PendingReply(identity_id=identity.id, kind=pending.kind.value, checkin_id=pending.checkin_id,
                           escalation_id=pending.escalation_id, message_id=pending.message_id, created_at=ctx.now,
                           expires_at=ctx.now + PENDING_FOR))
    ctx.s.flush()


def take(ctx: Ctx, identity: ChatIdentity) -> Pending | None:
    """What this chat was asked for, if it has not expired; asked once, taken once."""
    row = ctx.s.scalar(select(PendingReply).where(PendingReply.identity_id == identity.id))
    if row is None:
        return None
    ctx.s.delete(row)
    ctx.s.flush()
    if row.expires_at <= ctx.now:
        return None
    return Pending(PendingReplyKind(row.kind), row.checkin_id, row.escalation_id, row.message_id)


# --- typed text -------------------------------------------------------------------------------------

@dataclass
class Handled:
    """What a typed text was taken as (None: not acted on, so it is relayed), the check-in it answered or
    noted, and the escalations it opened."""

    taken: TakenAs | None
    checkin_id: int | None = None
    escalations: list[Escalation] = field(default_factory=list)


def handle_text(ctx: Ctx, identity: ChatIdentity, actor: Actor, text: str, key: str,
                message_ids: dict[int, int] | None = None) -> Handled:
    """`message_ids`: the stored message of this text, by family (a worry's escalation points at it)."""
    pending = take(ctx, identity)
    if pending is not None and pending.kind == PendingReplyKind.RESOLVE_NOTE and pending.escalation_id:
        replies.resolve(ctx, identity, actor, pending.escalation_id, text, key)
        return Handled(TakenAs.NOTE)
    if pending is not None and pending.kind == PendingReplyKind.STAFF_REPLY and pending.message_id:
        replies.staff_reply(ctx, identity, actor, pending.message_id, text, key)
        return Handled(TakenAs.STAFF_REPLY)
    command = command_word(text, typos=False)
    answer, note = parse_answer(text)
    if command is None and (answer == WORRIED or is_worry(text)):
        return _worried(ctx, identity, actor, _worry_words(text, answer, note), pending, key, message_ids)
    if pending is not None and pending.kind == PendingReplyKind.CHECKIN_NOTE and pending.checkin_id:
        if not replies.add_note(ctx, identity, actor, pending.checkin_id, text, key):
            return Handled(None)  # the check-in's notes are full: passed on as a message (bot.conversation.relay)
        return Handled(TakenAs.NOTE, pending.checkin_id)
    command = command or command_word(text)
    if command is not None:
        commands.run(commands.Call(ctx, identity, actor, "", key), command)
        return Handled(TakenAs.COMMAND)
    return _answer(ctx, identity, actor, text, answer, note, key)


def _worry_words(text: str, answer: str | None, note: str | None) -> str | None:
    """What a worry keeps as its words: the whole text, less a one-word label before it ("worried: the door
    was open", "⚠️ he is back"); answer words inside a sentence stay ("Martwię się o dzieci")."""
    clean = text.strip()
    if answer != WORRIED:
        return clean
    label = clean[:len(clean) - len(note)] if note else clean
    return note if len(tokens(label)) <= 1 else clean


def _worried(ctx: Ctx, identity: ChatIdentity, actor: Actor, note: str | None, pending: Pending | None,
             key: str, message_ids: dict[int, int] | None = None) -> Handled:
    """Like the Worried button: the check-in they were asked (or just answered) is answered "worried" with
    these words; without one, a worry is raised to every family they are in. Either way they see the
    emergency guidance at once."""
    assert actor.person_id is not None
    asked = pending.checkin_id if pending is not None and pending.kind == PendingReplyKind.CHECKIN_NOTE else None
    checkin = ((ctx.s.get(Checkin, asked) if asked else None) or checkins.open_checkin_for(ctx, actor.person_id)
               or checkins.just_answered_by(ctx, actor.person_id))
    if checkin is not None:
        try:
            with ctx.s.begin_nested():
                checkins.answer_checkin(ctx, actor, checkin.id, WORRIED, note,
                                        (message_ids or {}).get(checkin.family_id))
            # answer_checkin escalates and shows the emergency guidance
            opened = list(ctx.s.scalars(select(Escalation).where(
                Escalation.checkin_id == checkin.id, Escalation.reason == EscalationReason.WORRIED,
                Escalation.opened_at == ctx.now)))
            return Handled(TakenAs.WORRY, checkin.id, opened)
        except ServiceError:
            pass  # not theirs to answer any more (left, cancelled): the worry is raised all the same
    return Handled(TakenAs.WORRY, None, raise_worry(ctx, identity, actor, note, key, message_ids))


def raise_worry(ctx: Ctx, identity: ChatIdentity, actor: Actor, words: str | None, key: str,
                message_ids: dict[int, int] | None = None) -> list[Escalation]:
    """A worry outside any check-in (or forwarded: never an answer), to every family they are in, and the
    emergency guidance at once."""
    raised = escalations.raise_worry(ctx, actor, words, message_ids)
    former = raised and ctx.s.get_one(Membership, raised[0].membership_id).state != MembershipState.ACTIVE
    told = escalations.first_told(ctx, raised[0]) if former else None
    if former and told:  # they left or were removed: it went to the family they were in, said by name
        family = ctx.s.get_one(Family, raised[0].family_id)
        notify.to_identity(ctx, identity, partial(render.worried_former_reply, alias=family.alias, told=told,
                                                  emergency=family.emergency_number), key=key, urgent=True)
        return raised
    if raised and not former:
        family = ctx.s.get_one(Family, raised[0].family_id)
        roles = escalations.roles_told(ctx, [esc.id for esc in raised])  # the alerts written, never assumed
        notify.to_identity(ctx, identity, partial(render.worried_reply, emergency=family.emergency_number,
                                                  roles=roles), key=key, urgent=True)
        return raised
    notify.to_identity(ctx, identity, partial(render.worry_not_passed_on, emergency=emergency(ctx, actor)),
                       key=key, urgent=True)
    return []


def emergency(ctx: Ctx, actor: Actor) -> str:
    """The emergency number of the member's family (an active membership first), or 999."""
    number = ctx.s.scalar(select(Family.emergency_number).join(Membership, Membership.family_id == Family.id)
                          .where(Membership.person_id == actor.person_id)
                          .order_by((Membership.state == MembershipState.ACTIVE).desc(), Membership.id.desc())
                          .limit(1))
    return number or "999"


def _answer(ctx: Ctx, identity: ChatIdentity, actor: Actor, text: str, answer: str | None, note: str | None,
            key: str) -> Handled:
    """An answer to the open check-in, or a note on the one just answered; anything else is not acted on."""
    assert actor.person_id is not None
    if answer is None:
        recent = checkins.just_answered_by(ctx, actor.person_id)
        if recent is not None and replies.add_note(ctx, identity, actor, recent.id, text, key):
            return Handled(TakenAs.NOTE, recent.id)
        return Handled(None)
    # The open check-in, or the one they answered a moment ago (a follow-up belongs to it).
    checkin = checkins.open_checkin_for(ctx, actor.person_id) or checkins.just_answered_by(ctx, actor.person_id)
    if checkin is None:
        return Handled(None)  # an answer with nothing to answer: passed on like any message
    checkins.answer_checkin(ctx, actor, checkin.id, answer, note)
    return Handled(TakenAs.ANSWER, checkin.id)
