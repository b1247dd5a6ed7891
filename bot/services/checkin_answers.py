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
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, exists, insert, or_, select, update

from bot.domain.vocabulary import Answer, CheckinState, MembershipState, OutboxPurpose, OutboxState
from bot.services import audit, notify
from bot.services.context import Ctx
from messages import members as texts
from messages.catalog import translator
from storage.models import Checkin, CheckinAnswer, Commitment, Escalation, Family, Membership, OutboxMessage, Person


class Raced(Exception):
    """Another transaction answered one of these check-ins between the read and the write: the caller rolls
    the batch back and answers each press on its own."""


@dataclass(frozen=True)
class DonePress:
    """A chat linked to `person_id` pressed "Done" on check-in `checkin_id`."""

    checkin_id: int
    person_id: int
    identity_id: int


_OPEN = (select(Checkin.id, Checkin.family_id, Checkin.late, Checkin.grace_ends_at, Commitment.question,
                Membership.person_id, Person.language, Person.timezone, Person.discreet, Family.language.label("fl"),
                Family.timezone.label("ftz"))
         .join(Commitment, Commitment.id == Checkin.commitment_id)
         .join(Membership, Membership.id == Commitment.owner_membership_id)
         .join(Family, Family.id == Checkin.family_id)
         .join(Person, Person.id == Membership.person_id)
         .where(Checkin.id.in_(bindparam("ids", expanding=True)), Checkin.state == CheckinState.PENDING,
                Membership.state == MembershipState.ACTIVE,
                or_(Checkin.asked_at.is_not(None), Checkin.due_at <= bindparam("now")),
                ~exists().where(Escalation.checkin_id == Checkin.id)))
_QUESTIONS = (select(OutboxMessage.id, OutboxMessage.kind, OutboxMessage.checkin_id, OutboxMessage.identity_id,
                     OutboxMessage.state)
              .where(OutboxMessage.checkin_id.in_(bindparam("ids", expanding=True)),
                     OutboxMessage.kind.in_([OutboxPurpose.CHECKIN, OutboxPurpose.NUDGE])))
_ANSWER = insert(CheckinAnswer)
_NUDGES_OFF = (update(OutboxMessage).where(OutboxMessage.id.in_(bindparam("ids", expanding=True)),
                                           OutboxMessage.kind == OutboxPurpose.NUDGE,
                                           OutboxMessage.state == OutboxState.PENDING)
               .values(state=OutboxState.FAILED, last_error="answered"))


def _answered(late: bool) -> Any:
    return (update(Checkin).where(Checkin.id.in_(bindparam("ids", expanding=True)),
                                  Checkin.state == CheckinState.PENDING)
            .values(state=CheckinState.DONE, answered_at=bindparam("now"), late=late).returning(Checkin.id))


_ANSWERED = {False: _answered(False), True: _answered(True)}


def takeable(ctx: Ctx, presses: Sequence[DonePress]) -> tuple[list[DonePress], dict[int, Any]]:
    """The presses this path answers (reads only: nothing written), and the check-ins' rows by id. A press is
    taken when its check-in is open and unanswered, its owner an active member who is the presser, asked (or
    due), pressed once in the batch, and nothing was ever escalated about it."""
    ids = {p.checkin_id for p in presses}
    rows = {row.id: row for row in ctx.s.execute(_OPEN, {"ids": list(ids), "now": ctx.now})}
    seen: set[int] = set()
    taken = []
    for p in presses:
        row = rows.get(p.checkin_id)
        if row is None or row.person_id != p.person_id or p.checkin_id in seen:
            continue
        seen.add(p.checkin_id)
        taken.append(p)
    return taken, rows


def record_done(ctx: Ctx, presses: Sequence[DonePress], rows: dict[int, Any]) -> None:
    """Answer "Done" for presses `takeable` returned: the same rows `answer_checkin` writes, in bulk.
    Raises Raced if a check-in is no longer open (the caller rolls back)."""
    if not presses:
        return
    late = {p.checkin_id: bool(rows[p.checkin_id].late) or ctx.now > rows[p.checkin_id].grace_ends_at
            for p in presses}
    for flag in (False, True):
        ids = [cid for cid, is_late in late.items() if is_late is flag]
        if ids and len(list(ctx.s.scalars(_ANSWERED[flag], {"ids": ids, "now": ctx.now}))) != len(ids):
            raise Raced
    ctx.s.execute(_ANSWER, [{"checkin_id": p.checkin_id, "person_id": p.person_id, "answer": Answer.DONE.value,
                             "note": None, "late": late[p.checkin_id], "at": ctx.now} for p in presses])
    sent: dict[tuple[int | None, int], list[tuple[bool, int]]] = {}
    held = []  # a nudge still waiting (quiet hours, pause) would now be wrong: it is not sent
    for oid, kind, checkin_id, identity_id, state in ctx.s.execute(_QUESTIONS, {"ids": list(late)}):
        sent.setdefault((checkin_id, identity_id), []).append((kind != OutboxPurpose.CHECKIN, oid))
        held += [oid] if kind == OutboxPurpose.NUDGE and state == OutboxState.PENDING else []
    if held:
        ctx.s.execute(_NUDGES_OFF, {"ids": held}, execution_options={"synchronize_session": False})
    audit.record_each(ctx, "checkin.answer", [
        (f"person:{p.person_id}", rows[p.checkin_id].family_id, f"checkin:{p.checkin_id}",
         Answer.DONE.value + (" late" if late[p.checkin_id] else "")) for p in presses])
    notify.enqueue_batch(ctx, _edits(ctx, presses, rows, late, sent))


def _edits(ctx: Ctx, presses: Sequence[DonePress], rows: dict[int, Any], late: dict[int, bool],
           sent: dict[tuple[int | None, int], list[tuple[bool, int]]]) -> list[notify.Queued]:
    """Each question (and nudge) sent to the pressing chat, edited to show what was recorded."""
    stamp = f"{ctx.now:%Y%m%dT%H%M%S}"
    when: dict[tuple[str, str], str] = {}
    out = []
    for p in presses:
        row = rows[p.checkin_id]
        tr = translator(row.language or row.fl or "en")
        tz = row.timezone or row.ftz
        at = when.get((tr.language, tz)) or when.setdefault((tr.language, tz), tr.when(ctx.now, tz))
        for is_nudge, parent in sorted(sent.get((p.checkin_id, p.identity_id), [])):
            message = texts.answer_recorded(tr, row.question, Answer.DONE.value, at, late[p.checkin_id])
            message.edit_of = parent
            notify.dress(message, None, tr, discreet=bool(row.discreet))
            step = "nudge" if is_nudge else "ask"
            out.append(notify.Queued(p.identity_id, message, f"checkin:{p.checkin_id}:{step}:edit:{stamp}",
                                     notify.Link(OutboxPurpose.REPLY, checkin_id=p.checkin_id), row.family_id,
                                     priority=0))
    return out
