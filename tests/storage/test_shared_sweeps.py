"""Asking due check-ins with several workers (bot.engine.engine.Engine, FAMILYTEAM_ENGINE_WORKERS): on
PostgreSQL each worker claims check-ins of its own, skipping those another transaction holds, so workers and
instances share the work instead of waiting for each other; every check-in is asked exactly once. SQLite has
one writer: one worker there."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

import bot.engine.engine
import bot.engine.sweeps
from bot.services import asking
from bot.services.context import Ctx
from tests.service.test_engine_cost import CALLS
from tests.support.harness import Harness

pytestmark = pytest.mark.storage  # also on PostgreSQL

SEVEN_PM = datetime(2026, 11, 30, 19, 0, tzinfo=UTC)


async def _families(h: Harness, n: int) -> None:
    for i in range(n):
        await h.network(CALLS, members=(("Gran", f"gran{i}", "key_safety_person"), ("Sue", f"sue{i}", "supporter")),
                        alias=f"family {i}")
    await h.advance_to(SEVEN_PM - timedelta(minutes=1))


async def test_two_workers_in_small_batches_ask_every_due_checkin_exactly_once(
        h: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bot.engine.sweeps, "BATCH", 2)  # five due check-ins: batches of 2, 2 and 1
    monkeypatch.setattr(bot.engine.engine, "BATCH", 2)
    await _families(h, 5)
    postgres = h.app.db.engine.dialect.name == "postgresql"
    assert h.app.engine.workers == (2 if postgres else 1)
    h.clock.set(SEVEN_PM)
    report = h.app.engine.tick_sync()
    assert report.failures == []
    assert report.counts["ask_due_checkins"] == 5
    questions = [m for m in h.outbox() if m.kind == "checkin"]
    assert len(questions) == 5 and len({m.checkin_id for m in questions}) == 5, "each check-in asked once"
    assert h.app.engine.tick_sync().counts["ask_due_checkins"] == 0, "nothing left to ask"
    await h.advance(timedelta(minutes=1))
    assert [sum(t.startswith("Check-in for") for t in h.texts(f"sue{i}")) for i in range(5)] == [1] * 5


@pytest.mark.postgresql_only  # SQLite has one writer: there a second claim waits for the first, by design
async def test_a_claim_skips_what_another_transaction_holds_instead_of_waiting(h: Harness) -> None:
    await _families(h, 5)
    h.clock.set(SEVEN_PM)
    with h.app.db.session() as first, h.app.db.session() as second:
        mine = asking.claim(Ctx(first, SEVEN_PM, h.app.settings, h.app.secret), 2)
        second.execute(text("SET LOCAL lock_timeout = '2s'"))  # waiting would fail the claim, not hang the test
        theirs = asking.claim(Ctx(second, SEVEN_PM, h.app.settings, h.app.secret), 10)
        assert len(mine) == 2 and len(theirs) == 3, "the second claim took the three the first did not hold"
        assert not set(mine) & set(theirs)
        first.rollback()  # the first worker fails: its two check-ins are free again, the others stay claimed
    h.clock.set(SEVEN_PM + timedelta(minutes=1))
    assert h.app.engine.tick_sync().counts["ask_due_checkins"] == 2


async def test_a_failing_worker_is_reported_and_the_other_workers_work_stands(
        h: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bot.engine.sweeps, "BATCH", 2)
    monkeypatch.setattr(bot.engine.engine, "BATCH", 2)
    await _families(h, 4)
    asked, calls = bot.engine.sweeps.checkins.ask_due, itertools.count(1)

    def flaky(ctx: Ctx, limit: int) -> int:
        which = next(calls)  # one number each, whichever worker's thread asks
        n = asked(ctx, limit)
        if which == 2:
            raise RuntimeError("this batch fails after its claim")  # its transaction rolls back
        return n

    monkeypatch.setattr(bot.engine.sweeps.checkins, "ask_due", flaky)
    h.clock.set(SEVEN_PM)
    report = h.app.engine.tick_sync()
    assert report.failures == ["ask_due_checkins"]
    done = report.counts["ask_due_checkins"]
    assert done == len([m for m in h.outbox() if m.kind == "checkin"])
    # One worker (SQLite): the first batch stands, the second is undone. Two: the other worker's batch stands,
    # the failed one is undone. Either way the sweep is not run again in this tick.
    assert done == 2
    monkeypatch.setattr(bot.engine.sweeps.checkins, "ask_due", asked)
    h.clock.set(SEVEN_PM + timedelta(minutes=1))
    assert h.app.engine.tick_sync().counts["ask_due_checkins"] == 4 - done, "the failed batch's check-ins next tick"
