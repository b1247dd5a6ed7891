"""The scenario kit's clock jumps from one due moment to the next instead of stepping: nothing may be lost.
A World that steps every 30 minutes the old way (a pass at every step) and one that jumps on the same
30-minute grid must end with the same rows and the same chats, at the same times."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.support.harness import PLAN, SLOW_REPEATS, Harness

START = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)  # Saturday: Sunday's weekly thank-you falls inside
MEETING = """
[[meeting]]
kind = "family_network"
starts = 2026-12-07T10:00:00
place = "Family Centre"
invite = ["Gran", "Sue"]
"""
STEP = timedelta(minutes=30)
SPAN = timedelta(hours=50)
# SLOW_REPEATS: an open alert goes round the chain once, then repeats every 4 hours: the span still has moves
# and repeats, without hundreds of passes of them.


async def _scenario(h: Harness) -> None:
    fid = await h.network()
    await h.command("sue", "pause", "27h")  # held messages come out when the pause ends
    h.apply(fid, PLAN + MEETING)
    await h.tick()


def _snapshot(h: Harness) -> dict[str, Any]:
    return {
        "outbox": [(o.idempotency_key, o.state, o.sent_at, o.next_attempt_at, o.attempts) for o in h.outbox()],
        "checkins": [(c.due_at, c.state, c.asked_at, c.missed_at) for c in h.checkins()],
        "escalations": [(e.checkin_id, e.step, e.state, e.next_step_at) for e in h.escalations()],
        "chats": [(line.external_id, line.text, line.edited) for line in h.console.lines],
    }


async def test_jumping_on_a_grid_is_the_same_as_stepping(sqlite_url: str, tmp_path: Any) -> None:
    stepped, jumped = (Harness(sqlite_url, start=START, **SLOW_REPEATS),
                       Harness(f"sqlite:///{tmp_path}/jumped.db", start=START, **SLOW_REPEATS))
    try:
        for h in (stepped, jumped):
            await _scenario(h)
        end = START + SPAN
        while stepped.now < end:  # the old way: a full pass every STEP, whether or not anything is due
            stepped.clock.advance(STEP)
            await stepped.tick()
        await jumped.advance_to(end, step=STEP)
        a, b = _snapshot(stepped), _snapshot(jumped)
        assert {kind for kind in ("weekly:", "daily:", "meeting:", "checkin:", "esc:")
                if any(str(row[0]).startswith(kind) for row in a["outbox"])} == {
            "weekly:", "daily:", "meeting:", "checkin:", "esc:"}, "the scenario exercises every sweep"
        for part in a:
            assert a[part] == b[part], part
    finally:
        stepped.close()
        jumped.close()


@pytest.fixture
def hs(sqlite_url: str) -> Iterator[Harness]:
    harness = Harness(sqlite_url, **SLOW_REPEATS)
    yield harness
    harness.close()


async def test_jumping_runs_each_piece_of_work_at_its_moment(hs: Harness) -> None:
    await _scenario(hs)
    await hs.advance(SPAN)
    asked = [c for c in hs.checkins() if c.asked_at is not None]
    assert asked and all(c.asked_at == c.due_at for c in asked)
    missed = [c for c in hs.checkins() if c.missed_at is not None]
    assert missed and all(c.missed_at == c.grace_ends_at for c in missed)
