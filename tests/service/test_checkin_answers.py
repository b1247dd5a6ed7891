"""Presses that arrive together are handled together (bot/conversation/batch.py): the plain "Done" presses
set-based (bot/services/checkin_answers.py), everything else one by one. Whichever way a press goes, the same
rows come out, every press gets its own result, and a fault or a race in the shortcut loses nothing."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from bot.conversation import batch
from bot.domain.vocabulary import OutboxPurpose, OutboxState
from bot.ports import Inbound, InboundKind
from bot.services import checkin_answers, checkins
from bot.testing import World
from storage.models import (
    AuditEvent,
    ChatIdentity,
    Checkin,
    CheckinAnswer,
    Family,
    InboundReceipt,
    OutboxMessage,
    Person,
)
from tests.support.harness import Harness

TWO_AT_SIX = """
contingency = "Call the caseworker."

[[commitment]]
key = "bedtime"
member = "Gran"
text = "Put the children to bed"
schedule = "FREQ=DAILY;BYHOUR=18;BYMINUTE=0"
grace = "1h"

[[commitment]]
key = "call"
member = "Sue"
text = "Call Mum and check everyone is settled"
schedule = "FREQ=DAILY;BYHOUR=18;BYMINUTE=0"
grace = "1h"
"""
SIX = datetime(2026, 11, 30, 18, 0, tzinfo=UTC)


async def _asked(world: World) -> None:
    await world.network(TWO_AT_SIX)
    await world.advance_to(SIX)
    world.clock.advance(timedelta(minutes=7))


def _done(world: World, chat: str, event_id: str, data: str | None = None) -> Inbound:
    return Inbound("console", chat, InboundKind.BUTTON, event_id=event_id,
                   data=data if data is not None else world.console.button(chat, "Done").data)


async def _together(world: World, *events: Inbound) -> list[BaseException | None]:
    """The events reach the door at the same moment (one batch), then what they queued is delivered."""
    results = await asyncio.gather(*(world.app.handle(e) for e in events), return_exceptions=True)
    await world.app.dispatcher.dispatch_once()
    return [r if isinstance(r, BaseException) else None for r in results]


def _facts(world: World) -> dict[str, Any]:
    """What the presses left, without the new rows' own ids (the two worlds insert in their own order)."""
    return {
        "checkins": [(c.id, c.state, c.answered_at, c.late, c.note) for c in world.checkins()],
        "answers": sorted(world.call(lambda ctx: [
            (a.checkin_id, a.person_id, a.answer, a.note, a.late, a.at)
            for a in ctx.s.scalars(select(CheckinAnswer))])),
        "audit": sorted((a.at, a.actor, a.action, a.outcome, a.family_id, a.subject, a.detail)
                        for a in world.audit("checkin.answer")),
        "outbox": sorted((o.identity_id, o.idempotency_key, o.kind, o.checkin_id, o.family_id, o.priority,
                          sorted(o.payload.items()), o.state, o.sent_at) for o in world.outbox()),
        "gran": world.texts("gran"), "sue": world.texts("sue"),
    }


async def test_done_pressed_together_leaves_exactly_what_one_by_one_leaves(
        hs: Harness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    await _asked(hs)
    one_by_one = World(f"sqlite:///{tmp_path / 'other.db'}")
    try:
        await _asked(one_by_one)
        slow = []
        monkeypatch.setattr(checkins, "answer_checkin", _spy(checkins.answer_checkin, slow))
        assert await _together(hs, _done(hs, "gran", "press-gran"), _done(hs, "sue", "press-sue")) == [None, None]
        assert slow == [], "both answered set-based"
        with monkeypatch.context() as m:
            m.setattr(batch, "answer_done", lambda ctx, events: {})
            await one_by_one.send(_done(one_by_one, "gran", "press-gran"))
            await one_by_one.send(_done(one_by_one, "sue", "press-sue"))
        assert len(slow) == 2, "the other world went the long way"
        together, alone = _facts(hs), _facts(one_by_one)
        assert together == alone
        assert [c[1] for c in together["checkins"] if c[2]] == ["done", "done"]
        assert "Recorded: Done at Mon 30 Nov, 18:07" in hs.last("gran")
    finally:
        one_by_one.close()


def _spy(fn: Any, calls: list[int]) -> Any:
    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return fn(*args, **kwargs)
    return spy


@pytest.mark.storage
async def test_each_press_in_a_batch_gets_its_own_result(h: Harness) -> None:
    """Gran's "Done" is answered; Sue pressing Gran's button is refused and told so; the same update delivered
    again is a duplicate with no second effect; a forged button is refused. On both databases."""
    await _asked(h)
    gran_done = h.console.button("gran", "Done").data
    results = await h.app.db.run(lambda s: h.app.router.handle_batch(s, [
        _done(h, "gran", "u1", gran_done), _done(h, "sue", "u2", gran_done),
        _done(h, "mallory", "u3", gran_done[:-3] + "xyz")]))
    assert results == ["handled", "refused", "refused"]
    again = await h.app.db.run(lambda s: h.app.router.handle_batch(s, [_done(h, "gran", "u1", gran_done)]))
    assert again == ["duplicate"]
    await h.app.dispatcher.dispatch_once()
    assert [c.state for c in h.checkins() if c.due_at == SIX] == ["done", "pending"]
    assert len(h.audit("checkin.answer")) == 1
    assert [a.detail for a in h.audit() if a.outcome == "refused"] == ["not_yours", "bad_button"]


async def test_a_race_in_the_shortcut_falls_back_to_one_by_one(hs: Harness, monkeypatch: pytest.MonkeyPatch
                                                               ) -> None:
    """Another instance answers Sue's check-in between the shortcut's read and its write: nothing the
    shortcut wrote is kept, and each press is answered on its own (Sue's as a repeat)."""
    await _asked(hs)
    real = checkin_answers.takeable

    def takeable_then_raced(ctx: Any, *args: Any) -> Any:
        out = real(ctx, *args)
        sue = next(c for c in ctx.s.scalars(select(Checkin)) if c.state == "pending")
        ctx.s.execute(update(Checkin).where(Checkin.id == sue.id).values(state="done"))
        return out

    monkeypatch.setattr(checkin_answers, "takeable", takeable_then_raced)
    slow: list[int] = []
    monkeypatch.setattr(checkins, "answer_checkin", _spy(checkins.answer_checkin, slow))
    assert await _together(hs, _done(hs, "gran", "r1"), _done(hs, "sue", "r2")) == [None, None]
    assert len(slow) == 2
    assert [c.state for c in hs.checkins() if c.due_at == SIX] == ["done", "done"]
    assert len(hs.audit("checkin.answer")) == 2, "the race's own write was rolled back with the shortcut"


async def test_a_fault_in_the_shortcut_loses_no_press(hs: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    await _asked(hs)

    def broken(*_args: Any) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(checkin_answers, "record_done", broken)
    assert await _together(hs, _done(hs, "gran", "f1"), _done(hs, "sue", "f2")) == [None, None]
    assert [c.state for c in hs.checkins() if c.due_at == SIX] == ["done", "done"]
    assert "Recorded: Done" in hs.last("sue")


async def test_one_failing_event_fails_alone(hs: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    """A text that cannot be handled (a bug) is rolled back alone and its caller gets the error (the platform
    delivers it again); the press beside it in the same batch is kept."""
    await _asked(hs)
    from bot.conversation import router

    def broken(*_args: Any, **_kw: Any) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(router.relay, "on_text", broken)
    text = Inbound("console", "sue", InboundKind.TEXT, text="all fine here", event_id="t1")
    gran = _done(hs, "gran", "t2")
    results = await _together(hs, text, gran)
    assert isinstance(results[0], RuntimeError) and results[1] is None
    assert [c.state for c in hs.checkins() if c.due_at == SIX] == ["done", "pending"]
    monkeypatch.undo()
    await hs.send(text)  # delivered again: now handled (its receipt was rolled back with it)
    assert hs.call(lambda ctx: ctx.s.scalar(select(func.count()).select_from(InboundReceipt).where(
        InboundReceipt.event_id == "t1"))) == 1


@pytest.mark.storage
async def test_a_batch_is_one_transaction(h: Harness) -> None:
    """What a batch wrote stays only if the batch commits: on SQLite too, where a savepoint opened before
    the transaction's first write would start a transaction of its own (pysqlite begins one only at the first
    write) and its release would commit the press alone."""
    await _asked(h)

    def batch_then_fail(s: Any) -> None:
        assert h.app.router.handle_batch(s, [_done(h, "gran", "x1"), _done(h, "sue", "x2"),
                                             Inbound("console", "sue", InboundKind.TEXT, text="hi", event_id="x3")]
                                         ) == ["handled", "handled", "handled"]
        raise RuntimeError("the batch's commit never happens")

    with pytest.raises(RuntimeError):
        await h.app.db.run(batch_then_fail)
    assert [c.state for c in h.checkins() if c.due_at == SIX] == ["pending", "pending"]
    assert h.call(lambda ctx: list(ctx.s.scalars(select(InboundReceipt.event_id).where(
        InboundReceipt.event_id.in_(["x1", "x2", "x3"]))))) == []


def test_a_caller_left_on_a_closed_loop_does_not_hold_up_the_next(hs: Harness) -> None:
    """An event queued on an event loop that was closed while its batch waited (a test run's loops come and
    go) is still handled by the next loop's drainer, and the callers there get their answers."""
    asyncio.run(_asked(hs))
    router, real_run = hs.app.router, hs.app.db.run
    old = asyncio.new_event_loop()
    try:
        async def stuck(_fn: Any) -> Any:
            await asyncio.get_running_loop().create_future()  # the database never answers on this loop

        hs.app.db.run = stuck  # type: ignore[method-assign]
        first = old.create_task(router.handle(_done(hs, "gran", "l1")))
        old.run_until_complete(asyncio.sleep(0))  # the first batch is being written
        second = old.create_task(router.handle(_done(hs, "sue", "l2")))  # queued behind it
        old.run_until_complete(asyncio.sleep(0))
        assert not first.done() and not second.done()
    finally:
        old.close()  # with both callers still waiting
    hs.app.db.run = real_run  # type: ignore[method-assign]

    async def next_loop() -> bool:
        third = asyncio.ensure_future(router.handle(_done(hs, "gran", "l3")))
        await asyncio.sleep(0)
        assert router._drainer is not None
        await asyncio.gather(router._drainer, return_exceptions=True)
        return third.done() and third.exception() is None

    assert asyncio.run(next_loop()), "the caller on the live loop was answered"
    assert [c.state for c in hs.checkins() if c.due_at == SIX] == ["done", "done"]


def _harder(world: World) -> None:
    """Gran is discreet and presses in a second chat of hers that was sent the question too, with a nudge
    still held for her; Sue has no language or timezone of her own (the family's, Polish and New York, are
    used); and both answer after their grace (late) while the check-ins are still open."""
    def change(ctx: Any) -> None:
        chats = {i.external_id: i for i in ctx.s.scalars(select(ChatIdentity))}
        gran, sue = ctx.s.get_one(Person, chats["gran"].person_id), ctx.s.get_one(Person, chats["sue"].person_id)
        gran.discreet, sue.language, sue.timezone = True, None, None
        ctx.s.execute(update(Family).values(language="pl", timezone="America/New_York"))
        second = ChatIdentity(platform="console", external_id="gran2", person_id=gran.id, created_at=ctx.now)
        ctx.s.add(second)
        ctx.s.flush()
        asked = ctx.s.scalar(select(OutboxMessage).where(OutboxMessage.identity_id == chats["gran"].id,
                                                         OutboxMessage.kind == OutboxPurpose.CHECKIN))
        copy = {c: getattr(asked, c) for c in ("family_id", "checkin_id", "priority", "payload", "created_at")}
        ctx.s.add_all([
            OutboxMessage(idempotency_key="copy", identity_id=second.id, kind=OutboxPurpose.CHECKIN,
                          state=OutboxState.SENT, attempts=1, next_attempt_at=ctx.now, **copy),
            OutboxMessage(idempotency_key="held", identity_id=chats["gran"].id, kind=OutboxPurpose.NUDGE,
                          state=OutboxState.PENDING, attempts=0, next_attempt_at=ctx.now + timedelta(hours=9),
                          **copy)])
    world.call(change)
    world.clock.advance(timedelta(hours=2))


async def test_the_harder_cases_leave_exactly_what_one_by_one_leaves(
        hs: Harness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    await _asked(hs)
    one_by_one = World(f"sqlite:///{tmp_path / 'other.db'}")
    try:
        await _asked(one_by_one)
        _harder(hs), _harder(one_by_one)
        gran_done = hs.console.button("gran", "Done").data
        slow: list[int] = []
        monkeypatch.setattr(checkins, "answer_checkin", _spy(checkins.answer_checkin, slow))
        assert await _together(hs, _done(hs, "gran2", "h1", gran_done), _done(hs, "sue", "h2")) == [None, None]
        assert slow == [], "both answered set-based"
        with monkeypatch.context() as m:
            m.setattr(batch, "answer_done", lambda ctx, events: {})
            await one_by_one.send(_done(one_by_one, "gran2", "h1", gran_done))
            await one_by_one.send(_done(one_by_one, "sue", "h2"))
        assert len(slow) == 2
        together, alone = _facts(hs), _facts(one_by_one)
        assert together == alone
        assert [(c[1], c[3]) for c in together["checkins"] if c[2]] == [("done", True), ("done", True)]
        edits = [o for o in hs.outbox() if o.payload.get("edit_of")]
        assert [(o.payload["discreet"], bool(o.payload["reveal"])) for o in edits] == [(True, True), (False, False)]
        assert [o.state for o in hs.outbox() if o.idempotency_key == "held"] == ["failed"]
        assert "Zapisano: " in hs.last("sue") and "15:07" in hs.last("sue"), "Polish, New York time"
    finally:
        one_by_one.close()


async def test_an_event_whose_savepoint_fails_to_release_fails_alone(
        hs: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    """What an event left unflushed is written when its savepoint is released; if that fails, the event
    failed (its caller hears so and the platform delivers it again), and the events after it keep their own
    results."""
    await _asked(hs)
    from bot.conversation.router import Router
    refused = Router._refused

    def refused_then_broken(self: Router, ctx: Any, event: Inbound, exc: Any) -> None:
        refused(self, ctx, event, exc)
        ctx.s.add(AuditEvent(actor="x", action="x", outcome="x"))  # no time: NOT NULL fails at the release

    monkeypatch.setattr(Router, "_refused", refused_then_broken)
    forged = Inbound("console", "sue", InboundKind.BUTTON, data="ci.1.done~forged", event_id="s1")
    text = Inbound("console", "gran", InboundKind.TEXT, text="all fine here", event_id="s2")
    results = await _together(hs, forged, text)
    assert isinstance(results[0], IntegrityError) and results[1] is None
    assert hs.call(lambda ctx: list(ctx.s.scalars(select(InboundReceipt.event_id).where(
        InboundReceipt.event_id.in_(["s1", "s2"]))))) == ["s2"]
