"""Sending at the platform's limits: a 429 for one chat delays that chat only, each chat's messages keep their
order through 429s and retries, urgent messages overtake a routine batch already in flight, and a send whose
outcome is unknown is resent only when it is a safety message (and then counted). The clock and the budget's
time are moved by hand: nothing here waits for time to pass."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

import httpx
import pytest
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from telegram.error import TimedOut

from bot import metrics
from bot.domain.vocabulary import OutboxPurpose, Priority
from bot.engine import dispatcher as dispatcher_module
from bot.engine.claims import Job
from bot.ports import UNLIMITED, Delivery, DeliveryError, SendLimits
from bot.services import notify
from handlers.telegram.adapter import delivery_error
from messages.outbound import OutboundMessage
from tests.support.harness import Harness


class Paced:
    """A transport with limits that fails as told per chat, and records what it delivered, in order."""

    platform = "paced"

    def __init__(self, limits: SendLimits = UNLIMITED) -> None:
        self.limits = limits
        self.failures: dict[str, list[DeliveryError]] = {}
        self.sent: list[tuple[str, str]] = []
        self.on_send: Callable[[], None] | None = None

    async def send(self, external_id: str, message: OutboundMessage, thread_ref: str | None = None) -> Delivery:
        if self.failures.get(external_id):
            raise self.failures[external_id].pop(0)
        self.sent.append((external_id, message.text))
        if self.on_send is not None:
            self.on_send()
            self.on_send = None
        return Delivery(str(len(self.sent)))

    async def edit(self, external_id: str, ref: str, message: OutboundMessage) -> Delivery:
        return await self.send(external_id, message)

    def to(self, chat: str) -> list[str]:
        return [text for c, text in self.sent if c == chat]


class VirtualTime:
    """The budget's monotonic time, moved only by the test; sleepers wake when it passes their moment."""

    def __init__(self) -> None:
        self.now = 0.0
        self._moved = asyncio.Condition()

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        target = self.now + seconds
        async with self._moved:
            await self._moved.wait_for(lambda: self.now >= target)

    async def advance(self, seconds: float) -> None:
        async with self._moved:
            self.now += seconds
            self._moved.notify_all()


def _setup(h: Harness, transport: Paced, *chats: str) -> dict[str, int]:
    from bot.services.people import known_identity

    h.app.add_transport(transport)
    return {chat: h.call(lambda ctx, chat=chat: known_identity(ctx, "paced", chat).id) for chat in chats}


def _queue(h: Harness, identity_id: int, text: str, priority: int = Priority.NORMAL,
           purpose: OutboxPurpose = OutboxPurpose.REPLY) -> None:
    h.call(lambda ctx: notify.enqueue(ctx, identity_id, OutboundMessage(text), key=f"k-{text}", family_id=None,
                                      priority=priority, purpose=purpose))


def _row(h: Harness, text: str):  # type: ignore[no-untyped-def]
    return next(o for o in h.outbox() if o.idempotency_key == f"k-{text}")


async def _until(condition: Callable[[], bool]) -> None:
    """Until work already under way (database threads) has got somewhere: no timers are waited for."""
    for _ in range(2000):
        if condition():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("never happened")


async def test_a_429_for_one_chat_delays_that_chat_only_and_keeps_its_order(h: Harness) -> None:
    paced = Paced()
    ids = _setup(h, paced, "gran", "sue")
    paced.failures["gran"] = [DeliveryError("retry", "429", retry_after=30)]
    for text in ("gran 1", "gran 2", "gran 3"):
        _queue(h, ids["gran"], text)
    _queue(h, ids["sue"], "sue 1")
    await h.app.dispatcher.dispatch_once()
    assert paced.sent == [("sue", "sue 1")], "Sue's message is not held up by Gran's 429"
    assert _row(h, "gran 1").next_attempt_at == h.now + timedelta(seconds=30)
    assert "paced" not in h.app.dispatcher.paused_until, "one chat's 429 does not pause the platform"
    _queue(h, ids["sue"], "sue 2")
    await h.app.dispatcher.dispatch_once()
    assert paced.to("sue") == ["sue 1", "sue 2"] and paced.to("gran") == []
    # Gran's first message is now sent; her second fails for a while (a 502): her third waits for it.
    paced.on_send = lambda: paced.failures["gran"].append(DeliveryError("retry", "502"))
    await h.advance(timedelta(seconds=30))
    assert paced.to("gran") == ["gran 1"]
    assert _row(h, "gran 3").state == "pending" and _row(h, "gran 3").attempts == 0
    await h.advance(timedelta(minutes=2))
    assert paced.to("gran") == ["gran 1", "gran 2", "gran 3"]


async def test_429s_for_several_chats_within_a_second_pause_the_platform(h: Harness) -> None:
    paced = Paced()
    ids = _setup(h, paced, "a", "b", "c")
    for chat in ids:
        paced.failures[chat] = [DeliveryError("retry", "429", retry_after=20)]
        _queue(h, ids[chat], f"{chat} 1")
    await h.app.dispatcher.dispatch_once()
    assert h.app.dispatcher.paused_until["paced"] == h.now + timedelta(seconds=20)
    _queue(h, ids["a"], "a 2")
    h.clock.advance(timedelta(seconds=19))
    await h.app.dispatcher.dispatch_once()
    assert paced.sent == []
    await h.advance(timedelta(seconds=1))
    assert sorted(paced.sent) == [("a", "a 1"), ("a", "a 2"), ("b", "b 1"), ("c", "c 1")]


async def test_one_chat_gets_one_message_a_second_others_are_not_held_up(h: Harness) -> None:
    paced = Paced(SendLimits(chat_interval=1.0))
    ids = _setup(h, paced, "gran", "sue")
    for text in ("gran 1", "gran 2"):
        _queue(h, ids["gran"], text)
    _queue(h, ids["sue"], "sue 1")
    await h.app.dispatcher.dispatch_once()
    assert sorted(paced.sent) == [("gran", "gran 1"), ("sue", "sue 1")]
    assert _row(h, "gran 2").next_attempt_at == h.now + timedelta(seconds=1)
    await h.advance(timedelta(seconds=1))
    assert paced.to("gran") == ["gran 1", "gran 2"]


async def test_urgent_messages_overtake_a_routine_batch_in_flight(h: Harness) -> None:
    paced = Paced(SendLimits(per_second=1.0))
    ids = _setup(h, paced, "a", "b", "c", "d", "duty")
    vt = VirtualTime()
    h.app.dispatcher.monotonic, h.app.dispatcher.sleep = vt.monotonic, vt.sleep
    for chat in "abcd":
        _queue(h, ids[chat], f"routine {chat}")
    paced.on_send = lambda: _queue(h, ids["duty"], "alert", Priority.URGENT, OutboxPurpose.ESCALATION)
    turn = asyncio.create_task(h.app.dispatcher.dispatch_once())
    await _until(lambda: len(paced.sent) == 1)  # the batch is claimed and waiting for the budget
    paced.on_send = None
    gate = h.app.dispatcher._gates["paced"]
    await _until(lambda: any(priority == Priority.URGENT for priority, _ in gate._waiters))
    while not turn.done():
        await vt.advance(1.0)
        await asyncio.wait([turn], timeout=0.01)
    assert [text for _, text in paced.sent] == ["routine a", "alert", "routine b", "routine c", "routine d"]


async def test_an_unknown_outcome_is_resent_for_an_alert_only_and_counted(h: Harness) -> None:
    paced = Paced()
    ids = _setup(h, paced, "gran", "duty")
    unknown = DeliveryError("unknown", "timed out")
    paced.failures = {"gran": [unknown], "duty": [unknown]}
    not_resent = metrics.count(metrics.UNKNOWN, platform="paced", purpose="checkin", action="not_resent")
    resent = metrics.count(metrics.UNKNOWN, platform="paced", purpose="escalation", action="resent")
    duplicates = metrics.count(metrics.DUPLICATES, platform="paced", purpose="escalation")
    _queue(h, ids["gran"], "check-in", purpose=OutboxPurpose.CHECKIN)
    _queue(h, ids["gran"], "next", purpose=OutboxPurpose.CHECKIN)
    _queue(h, ids["duty"], "alert", Priority.URGENT, OutboxPurpose.ESCALATION)
    _queue(h, ids["duty"], "alert update", Priority.URGENT, OutboxPurpose.ESCALATION_UPDATE)
    await h.app.dispatcher.dispatch_once()
    assert paced.to("gran") == ["next"], "the check-in may have arrived: never risked twice, the next one goes"
    assert _row(h, "check-in").state == "unknown"
    assert paced.to("duty") == [], "the alert is sent again first, its update after it"
    await h.advance(timedelta(minutes=1))
    assert paced.to("duty") == ["alert", "alert update"]
    assert paced.to("gran") == ["next"]
    assert metrics.count(metrics.UNKNOWN, platform="paced", purpose="checkin", action="not_resent") == not_resent + 1
    assert metrics.count(metrics.UNKNOWN, platform="paced", purpose="escalation", action="resent") == resent + 1
    assert metrics.count(metrics.DUPLICATES, platform="paced", purpose="escalation") == duplicates + 1


@pytest.mark.parametrize(("cause", "kind"), [(httpx.ReadTimeout("slow"), "unknown"),
                                             (httpx.ConnectTimeout("no route"), "retry"),
                                             (httpx.PoolTimeout("busy"), "retry")])
def test_a_telegram_timeout_after_the_request_left_is_an_unknown_outcome(cause: Exception, kind: str) -> None:
    exc = TimedOut()
    exc.__cause__ = cause
    assert delivery_error(exc).kind == kind


async def test_another_instance_never_sends_a_chats_later_message_while_an_earlier_one_is_out(h: Harness) -> None:
    from bot.engine.dispatcher import Dispatcher

    paced = Paced()
    ids = _setup(h, paced, "gran")
    _queue(h, ids["gran"], "gran 1")
    _queue(h, ids["gran"], "gran 2")
    other = Dispatcher(h.app.db, h.clock, h.app.settings, h.app.secret, {"paced": paced})
    (job,) = await h.app.db.run(h.app.dispatcher._claim)  # this instance takes Gran's first message only
    assert await other.dispatch_once() == 0, "the second waits while the first is being sent elsewhere"
    assert await h.app.dispatcher._deliver(job) == 1
    assert await other.dispatch_once() == 1
    assert paced.to("gran") == ["gran 1", "gran 2"]


async def test_a_failed_claim_does_not_cancel_a_send_already_under_way(h: Harness,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The database refuses the turn's next claim while a message is on its way: that message still goes and is
    recorded as sent (cancelling it half-way would leave it 'sending' and send it again once its claim ran out)."""
    monkeypatch.setattr(dispatcher_module, "POLL", 0.001)
    paced = Paced()
    ids = _setup(h, paced, "gran")
    _queue(h, ids["gran"], "one")
    release = asyncio.Event()
    send = paced.send

    async def slow_send(external_id: str, message: OutboundMessage, thread_ref: str | None = None) -> Delivery:
        await release.wait()
        return await send(external_id, message, thread_ref)

    paced.send = slow_send  # type: ignore[method-assign]
    d = h.app.dispatcher
    claim, calls = d._claim, list[int]()

    def failing_claim(s: Session, limit: int = 50) -> list[Job]:
        calls.append(limit)
        if len(calls) > 1:
            raise OperationalError("claim", {}, Exception("database is locked"))
        return claim(s, limit)

    d._claim = failing_claim  # type: ignore[method-assign]
    turn = asyncio.create_task(d.dispatch_once())
    await _until(lambda: len(calls) > 1)
    release.set()
    await asyncio.wait([turn], timeout=5)
    assert paced.to("gran") == ["one"]
    assert _row(h, "one").state == "sent"


async def test_stopping_lets_the_message_on_its_way_finish_and_puts_the_rest_back(h: Harness) -> None:
    """The process is told to stop while a message to Gran is on its way and another waits behind it: the first
    is sent and recorded as sent (not cut off half-way, to go again after its claim ran out), the second is not
    tried and is pending again for the next start; nothing more is claimed."""
    paced = Paced()
    ids = _setup(h, paced, "gran")
    _queue(h, ids["gran"], "one")
    _queue(h, ids["gran"], "two")
    release, started = asyncio.Event(), asyncio.Event()
    send = paced.send

    async def slow_send(external_id: str, message: OutboundMessage, thread_ref: str | None = None) -> Delivery:
        started.set()
        await release.wait()
        return await send(external_id, message, thread_ref)

    paced.send = slow_send  # type: ignore[method-assign]
    d = h.app.dispatcher
    turn = asyncio.create_task(d.dispatch_once())
    await asyncio.wait_for(started.wait(), 5)
    stopping = asyncio.create_task(d.finish(grace=5))
    await _until(lambda: d.stopping)
    release.set()
    assert await stopping is True and await turn == 1
    assert paced.to("gran") == ["one"]
    assert (_row(h, "one").state, _row(h, "two").state) == ("sent", "pending")
    assert await d.dispatch_once() == 0, "nothing more is claimed once stopping"
