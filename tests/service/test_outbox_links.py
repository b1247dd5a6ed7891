"""Every outbox row says what it is for and what it belongs to (typed columns), and the code that needs to
know reads those columns: never the idempotency key, which is only a dedup key."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, select, update

from bot.domain.vocabulary import OutboxPurpose, OutboxState
from bot.services import escalations
from bot.services.people import identity_of, link_identity
from storage.models import ChatIdentity, OutboxMessage, Person
from tests.support.harness import OPERATOR, PLAN, Harness

DAYTIME_PLAN = PLAN.replace("BYHOUR=19;BYMINUTE=0", "BYHOUR=11;BYMINUTE=0")  # Sue's bottom line at 11:00 UTC
MEETING = """
[[meeting]]
kind = "family_network"
starts = 2026-12-04T10:00:00
place = "Family Centre"
invite = ["Gran", "Sue"]
"""


def _rows(h: Harness, purpose: OutboxPurpose) -> list[OutboxMessage]:
    return [o for o in h.outbox() if o.kind == purpose]


def _hide_keys(h: Harness, ids: list[int]) -> None:
    """Give rows opaque idempotency keys: whatever still works afterwards does not read them."""
    h.call(lambda ctx: [ctx.s.execute(update(OutboxMessage).where(OutboxMessage.id == oid)
                                      .values(idempotency_key=f"opaque-{oid}")) for oid in ids])


async def test_a_failed_alert_moves_the_escalation_on_found_by_its_columns(h: Harness) -> None:
    await h.network(DAYTIME_PLAN)
    await h.advance_to(datetime(2026, 11, 30, 11, 55, tzinfo=UTC))
    h.clock.set(datetime(2026, 11, 30, 12, 0, tzinfo=UTC))
    await h.app.engine.tick()  # missed at the end of grace: the caseworker's alert is recorded, not yet sent
    (alert,) = _rows(h, OutboxPurpose.ESCALATION)
    (esc,) = h.escalations()
    assert (alert.escalation_id, alert.escalation_step) == (esc.id, 0)
    assert esc.next_step_at == h.now + timedelta(minutes=15), "the first repeat"
    assert esc.step_ends_at == h.now + timedelta(minutes=30), "then the next person"
    _hide_keys(h, [alert.id])
    h.console.blocked.add("anna")  # discovered only when the alert is delivered
    await h.app.dispatcher.dispatch_once()
    assert next(o for o in h.outbox() if o.id == alert.id).state == OutboxState.BLOCKED
    (esc,) = h.escalations()
    assert esc.next_step_at == h.now, "moved on at once, not after the 30-minute timeout"
    await h.advance(timedelta(minutes=5))
    assert [a.detail for a in h.audit("escalation.notify")] == ["step 0 caseworker", "step 1 supervisor"]
    assert any("needs attention" in t for t in h.texts("sam"))


async def test_an_alert_to_a_chat_already_known_blocked_moves_the_escalation_on_at_once(h: Harness) -> None:
    await h.network(DAYTIME_PLAN)
    await h.advance_to(datetime(2026, 11, 30, 11, 55, tzinfo=UTC))
    h.clock.set(datetime(2026, 11, 30, 12, 0, tzinfo=UTC))
    await h.app.engine.tick()  # the caseworker's alert is recorded, not yet sent
    (esc,) = h.escalations()
    h.call(lambda ctx: ctx.s.execute(update(ChatIdentity).where(ChatIdentity.external_id == "anna")
                                     .values(blocked_at=ctx.now)))  # meanwhile another send found her chat blocked
    await h.app.dispatcher.dispatch_once()  # the row is failed at claim time, without a send
    (alert,) = [o for o in _rows(h, OutboxPurpose.ESCALATION) if o.escalation_step == 0]
    assert (alert.state, alert.last_error) == (OutboxState.BLOCKED, "chat blocked"), "held, never retried"
    (esc,) = h.escalations()
    assert esc.next_step_at == h.now, "moved on at once, as for a send refused as blocked"


async def test_answering_cancels_the_held_nudge_found_by_its_columns(h: Harness) -> None:
    await h.network(PLAN)
    await h.command("gran", "pause", "2d")
    await h.advance_to(datetime(2026, 11, 30, 16, 30, tzinfo=UTC), step=timedelta(minutes=30))
    (nudge,) = _rows(h, OutboxPurpose.NUDGE)
    assert nudge.state == OutboxState.PENDING and nudge.next_attempt_at > h.now, "held by the pause"
    (asked,) = _rows(h, OutboxPurpose.CHECKIN)[:1]
    assert nudge.checkin_id == asked.checkin_id is not None
    _hide_keys(h, [nudge.id, asked.id])
    await h.say("gran", "done")  # a plain-text answer: the check-in she was last asked about
    checkin = next(c for c in h.checkins() if c.id == nudge.checkin_id)
    assert checkin.state == "done"
    nudge = next(o for o in h.outbox() if o.id == nudge.id)
    assert (nudge.state, nudge.last_error) == (OutboxState.FAILED, "answered")
    edits = [line for line in h.inbox("gran") if line.edited]
    assert edits and "Recorded: Done" in edits[-1].text, "the question is edited, found by its columns too"


@contextmanager
def _statements(h: Harness) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(h.app.db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(h.app.db.engine, "before_cursor_execute", count)


async def _statements_to_acknowledge(h: Harness, steps: int, extra_chats: tuple[str, ...]) -> tuple[int, int]:
    """Out of hours the chain is duty, supervisor, caseworker; `steps` of them are told before someone
    acknowledges. `extra_chats` gives those people a second chat each (every chat gets the alert).
    Returns (alerts refreshed, SQL statements the acknowledgement took)."""
    await h.network(PLAN)

    def second_chats(ctx):  # type: ignore[no-untyped-def]
        for chat in extra_chats:
            person = ctx.s.get_one(Person, identity_of(ctx, "console", chat).person_id)
            link_identity(ctx, person, "console", f"{chat}-phone")

    h.call(second_chats)
    await h.advance_to(datetime(2026, 11, 30, 20, 0, tzinfo=UTC))  # Sue's 19:00 bottom line missed
    await h.advance(timedelta(minutes=30) * (steps - 1))
    assert len(h.audit("escalation.notify")) == steps
    (esc,) = h.escalations()
    with _statements(h) as seen:
        assert h.call(lambda ctx: escalations.acknowledge(ctx, OPERATOR, esc.id))
    edits = [o for o in h.outbox() if o.kind == OutboxPurpose.ESCALATION_UPDATE and o.payload.get("edit_of")]
    return len(edits), len(seen)


async def test_acknowledging_refreshes_every_alert_in_a_bounded_number_of_statements(
        tmp_path: Path, sqlite_template: Path) -> None:
    counts = {}
    for i, (steps, extra) in enumerate([(2, ()), (2, ("duty", "sam")), (3, ("duty", "sam", "anna"))]):
        shutil.copy(sqlite_template, tmp_path / f"{i}.db")
        h = Harness(f"sqlite:///{tmp_path / f'{i}.db'}")
        try:
            counts[(steps, extra)] = await _statements_to_acknowledge(h, steps, extra)
        finally:
            h.close()
    edits = [e for e, _ in counts.values()]
    statements = {n for _, n in counts.values()}
    # duty's alert and its repeat, then the supervisor's (and the caseworker's): each in every chat
    assert edits == [3, 6, 10], "every alert sent (repeats too, in every chat) is updated in place"
    assert len(statements) == 1, f"the same statements however many were told: {counts}"
    assert max(statements) <= 15, counts


async def test_every_row_of_a_full_scenario_carries_the_links_of_its_purpose(h: Harness) -> None:
    fid = await h.network()
    h.apply(fid, PLAN + MEETING)  # commitments, and the meeting invitation
    await h.tick()
    await h.advance_to(datetime(2026, 11, 30, 16, 30, tzinfo=UTC), step=timedelta(minutes=15))  # Gran nudged
    await h.say("gran", "done - sorry, late")
    await h.advance_to(datetime(2026, 11, 30, 20, 35, tzinfo=UTC), step=timedelta(minutes=15))  # escalated, moved on
    await h.press("duty", "Acknowledge")
    await h.press("gran", "Coming")
    rows = h.outbox()
    purposes = {o.kind for o in rows}
    assert purposes <= {p.value for p in OutboxPurpose}
    assert purposes >= {OutboxPurpose.CHECKIN, OutboxPurpose.NUDGE, OutboxPurpose.ESCALATION,
                        OutboxPurpose.ESCALATION_UPDATE, OutboxPurpose.MEETING_INVITE, OutboxPurpose.JOINED}
    wanted = {
        OutboxPurpose.CHECKIN: ("checkin_id",), OutboxPurpose.NUDGE: ("checkin_id",),
        OutboxPurpose.ESCALATION: ("escalation_id", "escalation_step"),
        OutboxPurpose.ESCALATION_UPDATE: ("escalation_id",),
        OutboxPurpose.ESCALATION_SMS: ("escalation_id",),
        OutboxPurpose.ESCALATION_CALL: ("escalation_id", "escalation_step"),
        OutboxPurpose.MEETING_INVITE: ("meeting_id",), OutboxPurpose.MEETING_REMINDER: ("meeting_id",),
        OutboxPurpose.MEETING_CANCELLED: ("meeting_id",),
    }
    for row in rows:
        for column in wanted.get(OutboxPurpose(row.kind), ()):
            assert getattr(row, column) is not None, (row.kind, column, row.idempotency_key)
    by_id = {o.id: o for o in rows}
    for row in rows:  # an answer edits its question: the edit belongs to the same check-in
        parent = by_id.get(row.payload.get("edit_of") or 0)
        if parent is not None and parent.checkin_id is not None:
            assert row.checkin_id == parent.checkin_id
    assert any(o.kind == OutboxPurpose.REPLY and o.checkin_id for o in rows), "answer edits carry the check-in"

    def alert_people(ctx):  # type: ignore[no-untyped-def]
        return sorted(ctx.s.scalars(select(ChatIdentity.external_id).join(
            OutboxMessage, OutboxMessage.identity_id == ChatIdentity.id).where(
            OutboxMessage.kind == OutboxPurpose.ESCALATION)))

    assert h.call(alert_people) == ["duty", "duty", "sam"], "duty's alert, its repeat, then the supervisor"
