"""Check-ins: asking, answering (done / not done / worried, with a note), missing, nudging."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from bot.buttons import ButtonAction, make, make_choices
from bot.domain.text import clean_text
from bot.domain.vocabulary import Answer, CheckinState, EscalationReason, MembershipState, OutboxPurpose, OutboxState
from bot.services import asking, audit, escalations, notify
from bot.services.context import Actor, Ctx
from bot.services.errors import NotFound, Refused
from messages import members as texts
from messages.catalog import Translator, translator
from messages.members import hide_label, reveal_label
from storage.models import (
    ChatIdentity,
    Checkin,
    CheckinAnswer,
    Commitment,
    Escalation,
    Family,
    Membership,
    OutboxMessage,
    Person,
)
from storage.upsert import claim

LATE_ANSWER_WINDOW = timedelta(hours=36)  # how long a plain "done" can still answer a missed check-in
LATE_ASK = timedelta(minutes=20)  # a question asked this long after its time (after an outage) says it is late


def answer_buttons(ctx: Ctx, checkin_id: int, with_note: bool = True) -> dict[str, str]:
    data = make_choices(ctx.secret, ButtonAction.CHECKIN, checkin_id)
    if with_note:
        data["note"] = make(ctx.secret, ButtonAction.NOTE, checkin_id)
    return data


def _parts(ctx: Ctx, checkin: Checkin) -> tuple[Commitment, Membership, Family]:
    commitment = ctx.s.get_one(Commitment, checkin.commitment_id)
    owner = ctx.s.get_one(Membership, commitment.owner_membership_id)
    return commitment, owner, ctx.s.get_one(Family, checkin.family_id)


def ask_due(ctx: Ctx, limit: int) -> int:
    """Send the questions of the check-ins due now (up to `limit`), set-based: a constant number of statements
    however many (claim; one read of the check-ins with their questions, owners, families, people and chats as
    plain rows; the audit rows and the outbox rows in bulk). A check-in whose owner is no longer an active
    member is claimed and not asked. Returns the check-ins claimed."""
    ids = asking.claim(ctx, limit)
    if not ids:
        return 0
    asked = asking.asked(ctx, ids)
    asking.audit(ctx, asked, ctx.now)
    words: dict[tuple[str, str, datetime], str] = {}  # many questions share a due time: its words once each
    questions = []
    for (checkin_id, family_id, due_at, question, alias, family_tz, family_language, language, tz, discreet,
         identity_id) in asked:  # asking.ASKED_COLUMNS
        if identity_id is None:
            continue
        tr = translator(language or family_language or "en")
        tz = tz or family_tz
        due = words.get((tr.language, tz, due_at)) or words.setdefault((tr.language, tz, due_at),
                                                                       tr.when(due_at, tz))
        late = ctx.now - due_at >= LATE_ASK
        message = texts.checkin_prompt(tr, alias, question, due, answer_buttons(ctx, checkin_id), late=late)
        if discreet and message.discreet_text:
            message.discreet, message.reveal_label, message.hide_label = True, reveal_label(tr), hide_label(tr)
        questions.append(notify.Queued(identity_id, message, f"checkin:{checkin_id}:ask@{identity_id}",
                                       notify.Link(OutboxPurpose.CHECKIN, checkin_id=checkin_id), family_id,
                                       shape=(tr.language, late, bool(discreet))))
    # The member chose this time when they made the commitment, so the question is not held by quiet hours.
    notify.enqueue_batch(ctx, questions)
    return len(ids)


def mark_missed(ctx: Ctx, checkin: Checkin) -> bool:
    """No answer by the end of grace: missed. A bottom line escalates; every miss gets one gentle nudge."""
    if not claim(ctx.s, update(Checkin).where(Checkin.id == checkin.id, Checkin.state == CheckinState.PENDING)
                 .values(state=CheckinState.MISSED, missed_at=ctx.now)):
        return False
    ctx.s.refresh(checkin)
    commitment, owner, family = _parts(ctx, checkin)
    audit.record(ctx, Actor.engine(), "checkin.missed", family_id=family.id, subject=f"checkin:{checkin.id}")
    if commitment.bottom_line_id is not None:
        escalations.open_escalation(ctx, checkin, EscalationReason.MISSED)
    if owner.person_id is not None and owner.state == MembershipState.ACTIVE:
        person = ctx.s.get_one(Person, owner.person_id)
        tz = notify.person_timezone(person, family)
        data = answer_buttons(ctx, checkin.id, with_note=False)
        notify.to_person(ctx, person.id, family,
                         lambda tr: texts.nudge(tr, commitment.question, tr.when(checkin.due_at, tz), data),
                         key=f"checkin:{checkin.id}:nudge", purpose=OutboxPurpose.NUDGE, checkin_id=checkin.id)
    return True


@dataclass
class AnswerOutcome:
    checkin: Checkin
    recorded: bool  # False for a repeat of the same answer
    late: bool
    escalated: bool


def own_checkin(ctx: Ctx, actor: Actor, checkin_id: int) -> tuple[Checkin, Commitment, Membership, Family]:
    """The check-in, if it belongs to this actor, an active member of its family; else a refusal."""
    checkin = ctx.s.get(Checkin, checkin_id)
    if checkin is None:
        raise NotFound("no_checkin", "no such check-in")
    commitment, owner, family = _parts(ctx, checkin)
    if actor.person_id is None or owner.person_id != actor.person_id or owner.state != MembershipState.ACTIVE:
        raise Refused("not_yours", "you can only answer your own check-ins", family_id=family.id,
                      subject=f"checkin:{checkin.id}")
    return checkin, commitment, owner, family


def answer_checkin(ctx: Ctx, actor: Actor, checkin_id: int, answer: str, note: str | None = None,
                   message_id: int | None = None) -> AnswerOutcome:
    """`message_id`: the conversation message the answer came in (a worry's alert shows its flags)."""
    checkin, commitment, owner, family = own_checkin(ctx, actor, checkin_id)
    if checkin.state == CheckinState.CANCELLED or (checkin.asked_at is None and checkin.due_at > ctx.now):
        raise NotFound("not_open", "this check-in is not open", family_id=family.id)
    value = Answer(answer)
    note = clean_text(note or "").strip()[:NOTE_MAX] or None
    previous = checkin.state
    tr_person = ctx.s.get_one(Person, actor.person_id)
    if previous == value.value and note is None:
        notify.to_person(ctx, tr_person.id, family, lambda tr: texts.answer_already(tr, value.value),
                         key=f"checkin:{checkin.id}:already:{ctx.now.timestamp()}", checkin_id=checkin.id)
        return AnswerOutcome(checkin, recorded=False, late=checkin.late, escalated=False)
    late = previous == CheckinState.MISSED or ctx.now > checkin.grace_ends_at or checkin.late
    row = CheckinAnswer(checkin_id=checkin.id, person_id=actor.person_id, answer=value.value, note=note, late=late,
                        at=ctx.now)
    ctx.s.add(row)
    ctx.s.flush()
    checkin.state, checkin.answered_at, checkin.late = value.value, ctx.now, late
    # A nudge still held (quiet hours, pause) would now be wrong: it is not sent.
    ctx.s.execute(update(OutboxMessage).where(
        OutboxMessage.checkin_id == checkin.id, OutboxMessage.kind == OutboxPurpose.NUDGE,
        OutboxMessage.state == OutboxState.PENDING).values(state=OutboxState.FAILED, last_error="answered"),
        execution_options={"synchronize_session": False})
    if note:
        checkin.note = note
    audit.record(ctx, actor, "checkin.answer", family_id=family.id, subject=f"checkin:{checkin.id}",
                 detail=value.value + (" late" if late else ""))
    had_escalation = ctx.s.scalar(select(Escalation.id).where(Escalation.checkin_id == checkin.id).limit(1))
    if had_escalation:
        escalations.tell_late_answer(ctx, checkin, owner.name, value.value)
    escalated = False
    if value == Answer.WORRIED:
        escalated = escalations.open_escalation(ctx, checkin, EscalationReason.WORRIED, row.id,
                                                message_id) is not None
    elif value == Answer.NOT_DONE and commitment.bottom_line_id is not None:
        escalated = escalations.open_escalation(ctx, checkin, EscalationReason.NOT_DONE, row.id) is not None
    _confirm(ctx, actor, checkin, commitment, family, value.value, late, escalated)
    return AnswerOutcome(checkin, recorded=True, late=late, escalated=escalated)


def _confirm(ctx: Ctx, actor: Actor, checkin: Checkin, commitment: Commitment, family: Family, answer: str,
             late: bool, escalated: bool) -> None:
    """Edit the question to show what was recorded (no buttons left), then say what happens next."""
    person = ctx.s.get_one(Person, actor.person_id)
    tz = notify.person_timezone(person, family)
    stamp = f"{ctx.now:%Y%m%dT%H%M%S}"
    if actor.identity_id is not None:
        for parent, purpose in _questions_sent(ctx, checkin.id, actor.identity_id):
            step = "ask" if purpose == OutboxPurpose.CHECKIN else "nudge"
            tr = _tr(person, family)
            message = texts.answer_recorded(tr, commitment.question, answer, tr.when(ctx.now, tz), late)
            message.edit_of = parent
            notify.dress(message, person, tr)
            notify.enqueue(ctx, actor.identity_id, message, key=f"checkin:{checkin.id}:{step}:edit:{stamp}",
                           checkin_id=checkin.id, family_id=family.id, priority=0)
    # Who was told comes from the alerts actually written for this check-in, never assumed.
    roles = escalations.roles_told(ctx, list(ctx.s.scalars(select(Escalation.id).where(
        Escalation.checkin_id == checkin.id, Escalation.reason == answer)))) if answer != Answer.DONE else []
    if answer == Answer.WORRIED:
        notify.to_person(ctx, person.id, family, lambda tr: texts.worried_reply(tr, family.emergency_number, roles),
                         key=f"checkin:{checkin.id}:worried:{stamp}", checkin_id=checkin.id, urgent=True)
    elif answer == Answer.NOT_DONE:
        notify.to_person(ctx, person.id, family, lambda tr: texts.not_done_reply(
            tr, escalated or bool(roles), roles, family.emergency_number),
            key=f"checkin:{checkin.id}:notdone:{stamp}", checkin_id=checkin.id)


def _questions_sent(ctx: Ctx, checkin_id: int, identity_id: int) -> list[tuple[int, str]]:
    """(outbox id, purpose) of the question and the nudge of this check-in sent to this chat, question first."""
    rows = [(oid, kind) for oid, kind in ctx.s.execute(select(OutboxMessage.id, OutboxMessage.kind).where(
        OutboxMessage.checkin_id == checkin_id, OutboxMessage.identity_id == identity_id,
        OutboxMessage.kind.in_([OutboxPurpose.CHECKIN, OutboxPurpose.NUDGE])))]
    return sorted(rows, key=lambda row: (row[1] != OutboxPurpose.CHECKIN, row[0]))


def _tr(person: Person, family: Family) -> Translator:

    return translator(notify.person_language(person, family))


NOTE_MAX = 4000  # characters of one note (more is cut)
NOTES_TOTAL_MAX = 8000  # characters of a check-in's notes together: a follow-up past it is not appended


def add_note(ctx: Ctx, actor: Actor, checkin_id: int, note: str) -> Checkin | None:
    """Attach a note to the member's latest answer (or to the check-in if not answered yet). The reply is
    the conversation layer's (bot.conversation.replies.add_note), to the chat that wrote. None when it would
    take the check-in's notes past NOTES_TOTAL_MAX (counted here in characters, so the same on every
    database): nothing is appended, and the conversation layer passes the words on as a message instead."""
    checkin, _, owner, family = own_checkin(ctx, actor, checkin_id)
    assert owner.person_id is not None
    text = clean_text(note).strip()[:NOTE_MAX]
    if not text:
        return checkin
    if len(checkin.note or "") + 1 + len(text) > NOTES_TOTAL_MAX:
        audit.record(ctx, actor, "checkin.note", family_id=family.id, subject=f"checkin:{checkin.id}",
                     outcome="refused", detail="notes_full")
        return None
    latest = ctx.s.scalar(select(CheckinAnswer).where(CheckinAnswer.checkin_id == checkin.id)
                          .order_by(CheckinAnswer.id.desc()).limit(1))
    if latest is not None:
        latest.note = f"{latest.note}\n{text}" if latest.note else text
    checkin.note = f"{checkin.note}\n{text}" if checkin.note else text
    audit.record(ctx, actor, "checkin.note", family_id=family.id, subject=f"checkin:{checkin.id}")
    return checkin


def replace_note(ctx: Ctx, actor: Actor, checkin_id: int, old: str, new: str) -> Checkin:
    """The member edited the message that became this check-in's note: the note now says what it says
    (both versions stay in conversation_messages)."""
    checkin, _, _, family = own_checkin(ctx, actor, checkin_id)
    new = clean_text(new).strip()[:NOTE_MAX]
    latest = ctx.s.scalar(select(CheckinAnswer).where(CheckinAnswer.checkin_id == checkin.id)
                          .order_by(CheckinAnswer.id.desc()).limit(1))
    for holder in (latest, checkin):
        if holder is not None:
            current = holder.note or ""
            holder.note = current.replace(old, new, 1) if old and old in current else "\n".join(
                p for p in (current, new) if p)
    audit.record(ctx, actor, "checkin.note_edited", family_id=family.id, subject=f"checkin:{checkin.id}")
    return checkin


NOTE_WINDOW = timedelta(hours=1)


def just_answered_by(ctx: Ctx, person_id: int) -> Checkin | None:
    """The check-in this person answered in the last hour: a free-text message after it is its note."""
    return ctx.s.scalar(
        select(Checkin).join(CheckinAnswer, CheckinAnswer.checkin_id == Checkin.id)
        .where(CheckinAnswer.person_id == person_id, CheckinAnswer.at > ctx.now - NOTE_WINDOW)
        .order_by(CheckinAnswer.id.desc()).limit(1))


def open_checkin_for(ctx: Ctx, person_id: int) -> Checkin | None:
    """The check-in a plain-text answer refers to: the one this person was last asked about (its question or
    its nudge; the newest such), if it is still open or recently missed and theirs as an active member."""
    return ctx.s.scalar(
        select(Checkin).join(OutboxMessage, OutboxMessage.checkin_id == Checkin.id)
        .join(ChatIdentity, ChatIdentity.id == OutboxMessage.identity_id)
        .join(Commitment, Commitment.id == Checkin.commitment_id)
        .join(Membership, Membership.id == Commitment.owner_membership_id)
        .where(ChatIdentity.person_id == person_id,
               OutboxMessage.kind.in_([OutboxPurpose.CHECKIN, OutboxPurpose.NUDGE]),
               Membership.person_id == person_id, Membership.state == MembershipState.ACTIVE,
               Checkin.due_at <= ctx.now, Checkin.due_at > ctx.now - LATE_ANSWER_WINDOW,
               Checkin.state.in_([CheckinState.PENDING, CheckinState.MISSED]))
        .order_by(Checkin.due_at.desc(), OutboxMessage.id.desc()).limit(1))
