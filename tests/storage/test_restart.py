"""Restarts, downtime and two instances: everything that fell due is handled exactly once."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.bootstrap import build, console_transport
from storage.models import Checkin, OutboxMessage
from tests.support.harness import PLAN, Harness, settings_for

pytestmark = pytest.mark.storage  # also on PostgreSQL


async def _family(h: Harness) -> int:
    return await h.network(PLAN)


def _restart(h: Harness) -> None:
    """A new process on the same database: fresh engine, dispatcher and transport state."""
    h.app.db.dispose()
    h.app = build(settings_for(h.url), clock=h.clock, transports=[h.console])


async def test_an_outage_is_not_a_miss(h: Harness) -> None:
    """Down from Monday 08:00 to Friday 09:00: the school runs (Mon, Wed 15:30) and the guarded evening calls
    (Mon-Thu 19:00) were never asked. Not asked, not missed: no nudge, no escalation, one notice to the
    caseworker naming the span, what was not asked and the bottom lines to check by hand."""
    await _family(h)
    _restart(h)
    h.clock.set(datetime(2026, 12, 4, 9, 0, tzinfo=UTC))
    await h.tick()
    due = [c for c in h.checkins() if c.due_at <= h.now]
    assert len(due) == 6
    assert {c.state for c in due} == {"not_asked"}
    assert h.escalations() == []
    await h.tick()
    _restart(h)
    await h.tick()
    assert h.escalations() == []
    assert not [t for chat in ("gran", "sue") for t in h.texts(chat) if t.startswith("A gentle reminder")]
    keys = Counter(o.idempotency_key for o in h.outbox())
    assert max(keys.values()) == 1
    notices = [t for t in h.texts("anna") if t.startswith("The service could not ask")]
    assert len(notices) == 1, notices
    assert "Mon 30 Nov, 15:30" in notices[0] and "Fri 4 Dec, 09:00" in notices[0]
    assert notices[0].count("Call Mum") == 4 + 4, "four calls not asked, each a bottom line to check by hand"
    assert "check these by hand" in notices[0]
    # Friday's 15:30 school run comes round as usual, on time and answered: the bot is back to normal.
    await h.advance_to(datetime(2026, 12, 4, 15, 31, tzinfo=UTC))
    assert h.texts("gran")[-1].startswith("Check-in")


async def test_a_question_still_in_its_window_after_an_outage_is_asked_late_and_says_so(h: Harness) -> None:
    await _family(h)
    _restart(h)
    h.clock.set(datetime(2026, 11, 30, 19, 40, tzinfo=UTC))  # the 15:30 run's grace is over, the 19:00 call's not
    await h.tick()
    assert h.texts("sue")[-1].startswith("Sorry this is late: Check-in")
    assert {c.due_at.hour: c.state for c in h.checkins() if c.due_at <= h.now} == {15: "not_asked", 19: "pending"}
    notices = [t for t in h.texts("anna") if t.startswith("The service could not ask")]
    assert len(notices) == 1 and "Collect the children" in notices[0] and "by hand" not in notices[0]


async def test_schedule_is_not_lost_when_down_longer_than_the_horizon(h: Harness) -> None:
    await _family(h)
    h.clock.set(datetime(2026, 12, 9, 12, 0, tzinfo=UTC))  # 9 days later (horizon is 48h)
    await h.tick()
    evening = [c for c in h.checkins() if c.due_at.hour == 19 and c.due_at <= h.now]
    assert len(evening) == 9, "every evening from Mon 30 Nov to Tue 8 Dec"
    assert len({c.due_at for c in evening}) == 9


async def test_restart_in_the_middle_does_not_ask_twice(h: Harness) -> None:
    await _family(h)
    await h.advance_to(datetime(2026, 11, 30, 15, 30, tzinfo=UTC), step=timedelta(minutes=30))
    _restart(h)
    await h.advance(timedelta(minutes=20))
    assert sum(t.startswith("Check-in") for t in h.texts("gran")) == 1


async def test_two_instances_on_one_database_do_not_duplicate(h: Harness) -> None:
    await _family(h)
    second_console = console_transport()
    second = build(settings_for(h.url), clock=h.clock, transports=[second_console])
    try:
        # Side by side every 30 minutes from 15:00 to 21:00: the 15:30 check-in, the 19:00 bottom line missed
        # at 20:00 and its escalation, each taken by one instance or the other.
        for minute in range(0, 6 * 60 + 1, 30):
            h.clock.set(datetime(2026, 11, 30, 15, 0, tzinfo=UTC) + timedelta(minutes=minute))
            await asyncio.gather(h.app.engine.tick(), second.engine.tick())
            await asyncio.gather(h.app.dispatcher.dispatch_once(), second.dispatcher.dispatch_once())
    finally:
        second.db.dispose()
    dues = h.call(lambda ctx: list(ctx.s.scalars(select(Checkin.due_at))))
    assert len(dues) == len(set(dues)), "each occurrence written once"
    delivered = [line.text for line in h.console.lines + second_console.lines if line.external_id == "gran"]
    assert sum(t.startswith("Check-in") for t in delivered) == 1
    sent = h.call(lambda ctx: ctx.s.scalar(select(func.count()).select_from(OutboxMessage)
                                           .where(OutboxMessage.state == "sent")))
    deliveries = sum(1 + line.edited for line in h.console.lines + second_console.lines)
    assert deliveries == sent, "every recorded message delivered exactly once, by one instance or the other"
    assert len(h.escalations()) == 1, "Monday 19:00 missed once, escalated once"
