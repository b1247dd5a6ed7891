"""The engine's cost follows what is due, not how many families exist: an idle tick and "when next" are one
statement that reads no family, person or membership; periodic jobs are found through scheduled_jobs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, select

from bot.conversation.staff_intents import SetSummaryTime
from bot.domain.vocabulary import JobKind
from bot.engine.sweeps import SWEEPS, WHEN_NEXT
from bot.services.families import create_family
from storage.models import ScheduledJob
from tests.support.harness import OPERATOR, PLAN, Harness

PEOPLE_TABLES = ("families", "persons", "memberships", "commitments", "meetings", "chat_identities")


def _statements(h: Harness, run: Callable[[], Any]) -> list[str]:
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(h.app.db.engine, "before_cursor_execute", record)
    try:
        run()
    finally:
        event.remove(h.app.db.engine, "before_cursor_execute", record)
    return seen


async def _families(h: Harness, first: int, last: int) -> None:
    for i in range(first, last):
        fid = h.make_family(alias=f"family {i}", caseworker=f"console:cw{i % 3}")
        h.invite(fid, "Gran", "key_safety_person")
        h.invite(fid, "Sue", "key_safety_person")
        h.apply(fid, PLAN)


def _idle_cost(h: Harness) -> tuple[list[str], list[str]]:
    assert (h.next_due() or h.now + timedelta(days=1)) > h.now, "nothing is due now"
    tick = _statements(h, h.app.engine.tick_sync)
    when = _statements(h, h.app.engine.next_due)
    return tick, when


async def test_an_idle_tick_costs_the_same_at_5_and_50_families_and_reads_no_family(hs: Harness) -> None:
    await hs.network(PLAN)  # one family with members who answer: check-ins written ahead
    await _families(hs, 1, 5)
    await hs.advance_to(datetime(2026, 11, 30, 10, 0, tzinfo=UTC))
    tick5, when5 = _idle_cost(hs)
    hs.call(lambda ctx: [create_family(ctx, OPERATOR, alias=f"family {i}", timezone="Europe/London",
                                       caseworker=f"console:cw{i % 3}") for i in range(5, 50)])  # one transaction
    await hs.advance_to(datetime(2026, 11, 30, 11, 0, tzinfo=UTC))
    tick50, when50 = _idle_cost(hs)
    assert len(tick5) == len(tick50) == 1, "an idle tick is one statement: each sweep's next moment"
    assert len(when5) == len(when50) == 1
    for statement in tick50 + when50:
        assert not any(f"FROM {t}" in statement or f"JOIN {t}" in statement for t in PEOPLE_TABLES), statement
    jobs = hs.call(lambda ctx: {(j.kind, j.subject_id): j.due_at for j in ctx.s.scalars(select(ScheduledJob))})
    assert sum(kind == JobKind.WEEKLY_THANKS for kind, _ in jobs) == 50
    assert sum(kind == JobKind.DAILY_SUMMARY for kind, _ in jobs) == 4, "anna and three caseworkers"
    assert all(at > hs.now for at in jobs.values()), "every job settled on its next moment"


@pytest.mark.slow_alert_repeats
async def test_a_new_summary_time_moves_the_job_and_a_repeat_sends_nothing_twice(hs: Harness) -> None:
    await hs.network(PLAN)
    await hs.advance_to(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    assert len([t for t in hs.texts("anna") if "daily summary" in t]) == 1, "08:30 Monday"
    await hs.staff("anna", SetSummaryTime(at="10:15"))
    await hs.advance_to(datetime(2026, 12, 1, 10, 10, tzinfo=UTC), step=timedelta(hours=1))
    assert len([t for t in hs.texts("anna") if "daily summary" in t]) == 1
    await hs.advance_to(datetime(2026, 12, 1, 10, 15, tzinfo=UTC))
    assert len([t for t in hs.texts("anna") if "daily summary" in t]) == 2, "10:15 Tuesday, its new time (not 08:30)"

    def due_again(ctx: Any) -> None:  # as if another instance had not seen it run: the job is due once more
        for job in ctx.s.scalars(select(ScheduledJob)):
            job.due_at = ctx.now

    hs.call(due_again)
    await hs.tick()
    await hs.advance_to(datetime(2026, 12, 1, 15, 0, tzinfo=UTC), step=timedelta(hours=1))
    assert len([t for t in hs.texts("anna") if "daily summary" in t]) == 2, "once a day, whatever runs it"


def test_every_sweep_says_when_it_next_has_work() -> None:
    assert [name for name, _ in SWEEPS] == [name for name, _ in WHEN_NEXT]


CALLS = """
[[commitment]]
key = "evening-call"
member = "Sue"
text = "Call Mum at 7"
schedule = "FREQ=DAILY;BYHOUR=19;BYMINUTE=0"
grace = "1h"
"""


async def _networks(h: Harness, first: int, last: int) -> None:
    for i in range(first, last):
        await h.network(CALLS, members=(("Gran", f"gran{i}", "key_safety_person"), ("Sue", f"sue{i}", "supporter")),
                        alias=f"family {i}")


async def _asking_tick(h: Harness, at: datetime) -> tuple[int, int]:
    """(statements, questions sent) of the tick at `at`, when every family's evening call falls due."""
    await h.advance_to(at - timedelta(minutes=1))
    h.clock.set(at)
    before = len([m for m in h.outbox() if m.kind == "checkin"])
    statements = _statements(h, h.app.engine.tick_sync)
    return len(statements), len([m for m in h.outbox() if m.kind == "checkin"]) - before


async def test_asking_many_due_checkins_takes_as_many_statements_as_asking_one(hs: Harness) -> None:
    await _networks(hs, 0, 1)
    one = await _asking_tick(hs, datetime(2026, 11, 30, 19, 0, tzinfo=UTC))
    await hs.advance_to(datetime(2026, 11, 30, 21, 0, tzinfo=UTC))  # the new ones' schedules refill at 21:00
    await _networks(hs, 1, 4)
    four = await _asking_tick(hs, datetime(2026, 12, 1, 19, 0, tzinfo=UTC))
    assert (one[1], four[1]) == (1, 4), "each family's evening call asked"
    assert one[0] == four[0], "a constant number of statements, not some per check-in"
    await hs.advance(timedelta(minutes=1))  # delivered
    assert [sum(t.startswith("Check-in for") for t in hs.texts(f"sue{i}")) for i in range(4)] == [2, 1, 1, 1]
