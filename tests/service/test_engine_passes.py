"""A tick runs the sweeps in passes (bot.engine.engine.Engine.tick_sync): one batch of each sweep with work a
pass, a batch of one subject at a time stopping after its time (bot.services.jobs.within). So thousands of
slow subjects due at once (every family's Sunday thanks) do not hold back a question or an escalation step
that falls due while they are worked through, and a sweep that does not clear its work runs once a tick, not
for ever."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import bot.engine.engine
import bot.services.summaries
from bot.services import checkins, jobs
from bot.services.context import Ctx
from tests.support.harness import Harness

SUNDAY_CALL = """
[[commitment]]
key = "sunday-call"
member = "Sue"
text = "Call Mum on Sunday evening"
schedule = "FREQ=WEEKLY;BYDAY=SU;BYHOUR=18;BYMINUTE=5"
grace = "1h"
"""
SUNDAY_18 = datetime(2026, 12, 6, 18, 0, tzinfo=UTC)  # the weekly thanks (FAMILYTEAM_WEEKLY_SUMMARY "SU 18:00")


async def test_sunday_thanks_for_every_family_do_not_hold_back_a_question_due_meanwhile(
        hs: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    for i in range(4):
        await hs.network(SUNDAY_CALL, members=(("Gran", f"gran{i}", "key_safety_person"),
                                               ("Sue", f"sue{i}", "supporter")), alias=f"family {i}")
    await hs.advance_to(SUNDAY_18 - timedelta(minutes=1))
    happened: list[str] = []
    thank, ask = bot.services.summaries._thank_members, checkins.ask_due

    def slow_thanks(ctx: Ctx, family: Any, moment: datetime) -> None:
        happened.append("thanks")
        thank(ctx, family, moment)
        hs.clock.set(hs.clock.now() + timedelta(minutes=2))  # each family's thanks takes two minutes

    def asking(ctx: Ctx, limit: int) -> int:
        n = ask(ctx, limit)
        happened.extend(["question"] * n)
        return n

    monkeypatch.setattr(bot.services.summaries, "_thank_members", slow_thanks)
    monkeypatch.setattr(checkins, "ask_due", asking)
    monkeypatch.setattr(jobs, "BATCH_SECONDS", 0.0)  # a batch of thanks is one family
    hs.clock.set(SUNDAY_18)
    report = hs.app.engine.tick_sync()
    # 18:00 the first family, 18:02 the second, 18:04 the third; at 18:06 the four 18:05 questions come first.
    assert happened == ["thanks"] * 3 + ["question"] * 4 + ["thanks"], happened
    assert report.counts["weekly_thanks"] == 4 and report.counts["ask_due_checkins"] == 4
    assert report.failures == []


def test_a_batch_of_one_subject_at_a_time_stops_after_its_time(monkeypatch: pytest.MonkeyPatch) -> None:
    assert list(jobs.within(range(5))) == [0, 1, 2, 3, 4], "a quarter of a second is plenty for five"
    monkeypatch.setattr(jobs, "BATCH_SECONDS", 0.0)
    assert list(jobs.within(range(5))) == [0], "the first always, then nothing once the time is up"


async def test_a_sweep_that_leaves_its_work_due_runs_once_a_tick_not_for_ever(
        hs: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[datetime] = []

    def stuck(ctx: Ctx) -> int:
        calls.append(ctx.now)
        return 1  # says it did something, and its work stays due

    monkeypatch.setattr(bot.engine.engine, "SWEEPS", [("stuck", stuck)])
    monkeypatch.setattr(hs.app.engine, "moments", lambda now: {"stuck": datetime(2026, 11, 30, 7, 0, tzinfo=UTC)})
    report = hs.app.engine.tick_sync()
    assert report.counts == {"stuck": 1} and len(calls) == 1
    hs.app.engine.tick_sync()
    assert len(calls) == 2, "and again on the next tick"


async def test_a_slow_sweep_that_leaves_its_work_due_ends_the_tick_at_its_time_limit(
        hs: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[datetime] = []

    def stuck(ctx: Ctx) -> int:
        calls.append(ctx.now)
        return 1

    monkeypatch.setattr(bot.engine.engine, "SWEEPS", [("stuck", stuck)])
    monkeypatch.setattr(hs.app.engine, "moments", lambda now: {"stuck": datetime(2026, 11, 30, 7, 0, tzinfo=UTC)})
    monkeypatch.setattr(jobs, "BATCH_SECONDS", 0.0)  # every batch "used its time": it may have left work
    monkeypatch.setattr(bot.engine.engine, "MAX_TICK_SECONDS", 0.0)
    hs.app.engine.tick_sync()
    assert len(calls) == 1, "the tick ends at its time limit; the next tick carries on"


async def test_when_the_moments_cannot_be_read_a_tick_is_one_blind_pass(
        hs: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[datetime] = []

    def worker(ctx: Ctx) -> int:
        calls.append(ctx.now)
        return 1

    def unreadable(now: datetime) -> dict[str, datetime | None]:
        raise RuntimeError("the moments cannot be read")

    monkeypatch.setattr(bot.engine.engine, "SWEEPS", [("worker", worker)])
    monkeypatch.setattr(hs.app.engine, "moments", unreadable)
    report = hs.app.engine.tick_sync()
    assert len(calls) == 1 and report.failures.count("when_next") >= 1
