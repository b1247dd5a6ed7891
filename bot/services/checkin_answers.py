"""Many "Done" presses at once: the set-based twin of `checkins.answer_checkin` for its common case.

When members press "Done" on open check-ins (their own, asked and not yet answered, nothing escalated about
them), what happens is always the same: the answer row, the check-in's state, a held nudge cancelled, the
audit line, and the question edited to say what was recorded. Here that is done for a whole batch of presses
with a constant number of statements (one read of everything needed, then bulk writes), so a burst of presses
costs what the database costs, not what the ORM costs per press. Every other press (someone else's check-in,
a repeat, a late answer, "not done" or "worried", anything escalated) is left to `answer_checkin`, which
writes exactly the same rows for the common case: tests/service/test_checkin_answers.py compares the two.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Integer, String, and_, any_, bindparam, exists, insert, or_, select, update
from sqlalchemy.dialects.postgresql import ARRAY

from bot.domain.vocabulary import Answer, CheckinState, MembershipState, OutboxPurpose, OutboxState
from bot.services import audit, notify
from bot.services.context import Ctx
from messages import members as texts
from messages.catalog import translator
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


class Raced(Exception):
    """Another transaction answered one of these check-ins between the read and the write: the caller rolls
    the batch back and answers each press on its own."""


@dataclass
class DonePress:
    """A "Done" press this path answers: the check-in (`row`: its fields, its family's, its owner's), the
    presser's person and chat, the question (and nudge) sent to that chat, the nudges still held (any chat)."""

    checkin_id: int
    person_id: int
    identity_id: int
    chat_language: str | None
    row: Any
    sent: list[tuple[bool, int]] = field(default_factory=list)  # (is a nudge, outbox id)
    held: list[int] = field(default_factory=list)


def _among(column: Any, name: str, item: Any, postgresql: bool) -> Any:
    """`column IN (the list given as parameter `name`)`. On PostgreSQL as `= ANY(array)`: the statement's text
    is then the same however long the list, so the server prepares it once and stops planning it (planning the
    read below took 4-5 ms a batch, running it 0.3 ms); SQLite has no arrays: an expanding IN."""
    if postgresql:
        return column == any_(bindparam(name, type_=ARRAY(item)))
    return column.in_(bindparam(name, expanding=True))


def _open(pg: bool) -> Any:
    return (select(Checkin.id, Checkin.family_id, Checkin.late, Checkin.grace_ends_at, Commitment.question,
                   Membership.person_id, Person.language, Person.timezone, Person.discreet,
                   Family.language.label("fl"), Family.timezone.label("ftz"), ChatIdentity.id.label("iid"),
                   ChatIdentity.external_id, ChatIdentity.language.label("chat_language"),
                   OutboxMessage.id.label("oid"), OutboxMessage.kind, OutboxMessage.identity_id.label("sent_to"),
                   OutboxMessage.state.label("sent"))
            .join(Commitment, Commitment.id == Checkin.commitment_id)
            .join(Membership, Membership.id == Commitment.owner_membership_id)
            .join(Family, Family.id == Checkin.family_id)
            .join(Person, Person.id == Membership.person_id)
            .join(ChatIdentity, ChatIdentity.person_id == Membership.person_id)
            .outerjoin(OutboxMessage, and_(OutboxMessage.checkin_id == Checkin.id,
                                           OutboxMessage.kind.in_([OutboxPurpose.CHECKIN, OutboxPurpose.NUDGE])))
            .where(_among(Checkin.id, "ids", Integer, pg), Checkin.state == CheckinState.PENDING,
                   Membership.state == MembershipState.ACTIVE,
                   or_(Checkin.asked_at.is_not(None), Checkin.due_at <= bindparam("now")),
                   ~exists().where(Escalation.checkin_id == Checkin.id),
                   ChatIdentity.platform == bindparam("platform"),
                   _among(ChatIdentity.external_id, "chats", String, pg), ChatIdentity.blocked_at.is_(None)))


def _nudges_off(pg: bool) -> Any:
    return (update(OutboxMessage).where(_among(OutboxMessage.id, "ids", Integer, pg),
                                        OutboxMessage.kind == OutboxPurpose.NUDGE,
                                        OutboxMessage.state == OutboxState.PENDING)
            .values(state=OutboxState.FAILED, last_error="answered"))


def _answered(late: bool, pg: bool) -> Any:
    return (update(Checkin).where(_among(Checkin.id, "ids", Integer, pg), Checkin.state == CheckinState.PENDING)
            .values(state=CheckinState.DONE, answered_at=bindparam("now"), late=late).returning(Checkin.id))


# One read gives, for each check-in pressed, whether this path may answer it (open, unanswered, asked or due,
# never escalated, its owner active), the presser's chat if it is the owner's (reachable), and the check-in's
# questions and nudges in the outbox (an outer join: none yet is a row of NULLs). By "is it PostgreSQL".
_OPEN = {pg: _open(pg) for pg in (False, True)}
_NUDGES_OFF = {pg: _nudges_off(pg) for pg in (False, True)}
_ANSWERED = {(late, pg): _answered(late, pg) for late in (False, True) for pg in (False, True)}
_ANSWER = insert(CheckinAnswer)


def _pg(ctx: Ctx) -> bool:
    return ctx.s.get_bind().dialect.name == "postgresql"


def takeable(ctx: Ctx, platform: str, pressed: dict[str, int]) -> dict[str, DonePress]:
    """Of `pressed` ({chat on `platform`: check-in id it pressed "Done" on}), the presses this path answers,
    by chat (reads only: nothing written). A press is taken when its check-in is open and unanswered, asked
    (or due), nothing was ever escalated about it, its owner is an active member and the chat is the owner's
    and reachable, and no other chat of the batch pressed the same check-in."""
    if not pressed:
        return {}
    found: dict[tuple[int, str], DonePress] = {}
    for row in ctx.s.execute(_OPEN[_pg(ctx)], {"ids": list(set(pressed.values())), "now": ctx.now, "platform": platform,
                                     "chats": list(pressed)}):
        if pressed.get(row.external_id) != row.id:
            continue  # this chat pressed another check-in
        press = found.get((row.id, row.external_id)) or found.setdefault(
            (row.id, row.external_id), DonePress(row.id, row.person_id, row.iid, row.chat_language, row))
        if row.oid is not None and row.sent_to == row.iid:
            press.sent.append((row.kind != OutboxPurpose.CHECKIN, row.oid))
        if row.kind == OutboxPurpose.NUDGE and row.sent == OutboxState.PENDING:
            press.held.append(row.oid)
    taken: dict[str, DonePress] = {}
    seen: set[int] = set()
    for (checkin_id, chat), press in sorted(found.items()):
        if checkin_id not in seen:
            seen.add(checkin_id)
            taken[chat] = press
    return taken


def record_done(ctx: Ctx, presses: Sequence[DonePress]) -> None:
    """Answer "Done" for presses `takeable` returned: the same rows `answer_checkin` writes, in bulk.
    Raises Raced if a check-in is no longer open (the caller rolls back)."""
    if not presses:
        return
    late = {p.checkin_id: bool(p.row.late) or ctx.now > p.row.grace_ends_at for p in presses}
    for flag in (False, True):
        ids = [cid for cid, is_late in late.items() if is_late is flag]
        if ids and len(list(ctx.s.scalars(_ANSWERED[flag, _pg(ctx)], {"ids": ids, "now": ctx.now}))) != len(ids):
            raise Raced
    ctx.s.execute(_ANSWER, [{"checkin_id": p.checkin_id, "person_id": p.person_id, "answer": Answer.DONE.value,
                             "note": None, "late": late[p.checkin_id], "at": ctx.now} for p in presses])
    held = [oid for p in presses for oid in p.held]  # a nudge still waiting (quiet hours, pause) would be wrong
    if held:
        ctx.s.execute(_NUDGES_OFF[_pg(ctx)], {"ids": held}, execution_options={"synchronize_session": False})
    audit.record_each(ctx, "checkin.answer", [
        (f"person:{p.person_id}", p.row.family_id, f"checkin:{p.checkin_id}",
         Answer.DONE.value + (" late" if late[p.checkin_id] else "")) for p in presses])
    notify.enqueue_batch(ctx, _edits(ctx, presses, late))


def _edits(ctx: Ctx, presses: Sequence[DonePress], late: dict[int, bool]) -> list[notify.Queued]:
    """Each question (and nudge) sent to the pressing chat, edited to show what was recorded."""
    stamp = f"{ctx.now:%Y%m%dT%H%M%S}"
    when: dict[tuple[str, str], str] = {}
    out = []
    for p in presses:
        row = p.row
        tr = translator(row.language or row.fl or "en")
        tz = row.timezone or row.ftz
        at = when.get((tr.language, tz)) or when.setdefault((tr.language, tz), tr.when(ctx.now, tz))
        for is_nudge, parent in sorted(set(p.sent)):
            message = texts.answer_recorded(tr, row.question, Answer.DONE.value, at, late[p.checkin_id])
            message.edit_of = parent
            notify.dress(message, None, tr, discreet=bool(row.discreet))
            step = "nudge" if is_nudge else "ask"
            out.append(notify.Queued(p.identity_id, message, f"checkin:{p.checkin_id}:{step}:edit:{stamp}",
                                     notify.Link(OutboxPurpose.REPLY, checkin_id=p.checkin_id), row.family_id,
                                     priority=0))
    return out
