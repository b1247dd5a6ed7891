"""The outbox dispatcher: nothing sent unrecorded, never twice per key, retries, blocked chats, priority."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.vocabulary import OutboxPurpose, Priority
from bot.ports import Delivery, DeliveryError
from bot.services import notify
from messages.outbound import OutboundMessage
from storage.models import ChatIdentity
from tests.support.harness import PLAN, Harness


class Flaky:
    """A transport that fails as told, then succeeds; records what it delivered."""

    platform = "flaky"

    def __init__(self) -> None:
        self.failures: list[DeliveryError] = []
        self.sent: list[tuple[str, str]] = []

    async def send(self, external_id: str, message: OutboundMessage, thread_ref: str | None = None) -> Delivery:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((external_id, message.text))
        return Delivery(str(len(self.sent)))

    async def edit(self, external_id: str, ref: str, message: OutboundMessage) -> Delivery:
        return await self.send(external_id, message)


def _identity(h: Harness, external: str, person: bool = False) -> int:
    def make(ctx):  # type: ignore[no-untyped-def]
        from bot.services.people import ensure_person, known_identity

        if person:
            ensure_person(ctx, f"console:{external}")
            ident = known_identity(ctx, "console", external)
            ident.platform = "flaky"
            return ident.id
        return known_identity(ctx, "flaky", external).id

    return h.call(make)


def _enqueue(h: Harness, identity_id: int, text: str, key: str, priority: int = Priority.NORMAL) -> int | None:
    return h.call(lambda ctx: notify.enqueue(ctx, identity_id, OutboundMessage(text), key=key,
                                             purpose=OutboxPurpose.REPLY, family_id=None, priority=priority))


@pytest.mark.storage
async def test_same_key_is_recorded_and_sent_once(h: Harness) -> None:
    flaky = Flaky()
    h.app.add_transport(flaky)
    ident = _identity(h, "x")
    assert _enqueue(h, ident, "hello", "k1") is not None
    assert _enqueue(h, ident, "hello again", "k1") is None
    await h.app.dispatcher.dispatch_once()
    await h.app.dispatcher.dispatch_once()
    assert flaky.sent == [("x", "hello")]


async def test_transient_errors_are_retried_with_backoff(h: Harness) -> None:
    flaky = Flaky()
    h.app.add_transport(flaky)
    ident = _identity(h, "x")
    flaky.failures = [DeliveryError("retry", "502"), DeliveryError("retry", "timeout")]
    _enqueue(h, ident, "hello", "k1")
    await h.app.dispatcher.dispatch_once()
    (row,) = h.outbox()
    assert (row.state, row.attempts, row.last_error) == ("pending", 1, "502")
    assert row.next_attempt_at == h.now + timedelta(seconds=10)
    await h.app.dispatcher.dispatch_once()
    assert flaky.sent == [], "not before its next attempt time"
    h.clock.advance(timedelta(seconds=10))
    await h.app.dispatcher.dispatch_once()
    h.clock.advance(timedelta(seconds=20))
    await h.app.dispatcher.dispatch_once()
    assert flaky.sent == [("x", "hello")]
    assert h.outbox()[0].state == "sent"


async def test_retry_after_pauses_the_platform(h: Harness) -> None:
    flaky = Flaky()
    h.app.add_transport(flaky)
    ident = _identity(h, "x")
    flaky.failures = [DeliveryError("retry", "429", retry_after=30)]
    _enqueue(h, ident, "one", "k1")
    _enqueue(h, ident, "two", "k2")
    await h.app.dispatcher.dispatch_once()
    assert flaky.sent == []
    h.clock.advance(timedelta(seconds=29))
    await h.app.dispatcher.dispatch_once()
    assert flaky.sent == []
    h.clock.advance(timedelta(seconds=1))
    await h.app.dispatcher.dispatch_once()
    assert sorted(t for _, t in flaky.sent) == ["one", "two"]


async def test_gives_up_after_the_attempt_limit_and_audits(h: Harness) -> None:
    flaky = Flaky()
    h.app.add_transport(flaky)
    ident = _identity(h, "x")
    flaky.failures = [DeliveryError("retry", "boom")] * 20
    _enqueue(h, ident, "hello", "k1")
    for _ in range(10):
        await h.app.dispatcher.dispatch_once()
        h.clock.advance(timedelta(minutes=20))
    (row,) = h.outbox()
    assert row.state == "failed" and row.attempts == 8
    assert h.audit("outbox.failed")


async def test_urgent_messages_go_first(h: Harness) -> None:
    flaky = Flaky()
    h.app.add_transport(flaky)
    ident = _identity(h, "x")
    for i in range(3):
        _enqueue(h, ident, f"routine {i}", f"r{i}")
    _enqueue(h, ident, "escalation", "e1", priority=Priority.URGENT)
    await h.app.dispatcher.dispatch_once()
    assert flaky.sent[0] == ("x", "escalation")


async def test_blocked_chat_is_marked_and_the_caseworker_told(h: Harness) -> None:
    fid = h.make_family()
    await h.join(fid, "Gran", "gran", "key_safety_person")
    h.console.blocked.add("gran")
    before = max(o.id for o in h.outbox())
    h.apply(fid, PLAN.replace('member = "Sue"', 'member = "Gran"'))
    await h.tick()
    identity = h.call(lambda ctx: ctx.s.query(ChatIdentity).filter_by(external_id="gran").one())
    assert identity.blocked_at is not None
    notices = [t for t in h.texts("anna") if "no longer reach Gran" in t]
    assert len(notices) == 1
    assert h.audit("identity.blocked")
    # Nothing more is attempted to a blocked chat.
    await h.advance_to(datetime(2026, 11, 30, 15, 30, tzinfo=UTC), step=timedelta(minutes=30))
    later = [o for o in h.outbox() if o.identity_id == identity.id and o.id > before]
    assert later and all(o.state == "blocked" for o in later), "held as blocked, never retried"
    assert not any(line.external_id == "gran" and line.text.startswith("Check-in") for line in h.console.lines)


async def test_edit_waits_for_the_message_it_edits(h: Harness) -> None:
    flaky = Flaky()
    h.app.add_transport(flaky)
    ident = _identity(h, "x")
    first = _enqueue(h, ident, "question", "q")
    h.call(lambda ctx: notify.enqueue(ctx, ident, OutboundMessage("answered", edit_of=first), key="q-edit",
                                      purpose=OutboxPurpose.REPLY, family_id=None, priority=Priority.URGENT))
    flaky.failures = [DeliveryError("retry", "502")]
    await h.app.dispatcher.dispatch_once()
    assert flaky.sent == []
    h.clock.advance(timedelta(seconds=10))
    await h.app.dispatcher.dispatch_once()
    h.clock.advance(timedelta(seconds=10))
    await h.app.dispatcher.dispatch_once()
    assert [t for _, t in flaky.sent] == ["question", "answered"]


async def test_quiet_hours_hold_routine_messages_but_not_escalations(h: Harness) -> None:
    fid = h.make_family()
    await h.join(fid, "Gran", "gran", "key_safety_person")
    await h.join(fid, "Sue", "sue", "key_safety_person")
    h.apply(fid, PLAN.replace("BYHOUR=15;BYMINUTE=30", "BYHOUR=20;BYMINUTE=30"))
    # Gran's 20:30 check-in is missed at 21:15: her nudge waits for 08:00; Sue's 19:00 bottom line
    # is missed at 20:00 and reaches duty at once.
    await h.advance_to(datetime(2026, 11, 30, 21, 30, tzinfo=UTC), step=timedelta(minutes=15))
    assert not any(t.startswith("A gentle reminder") for t in h.texts("gran"))
    assert any("needs attention" in t for t in h.texts("duty"))
    await h.advance_to(datetime(2026, 12, 1, 8, 0, tzinfo=UTC), step=timedelta(hours=1))
    assert any(t.startswith("A gentle reminder") for t in h.texts("gran"))


@pytest.mark.storage
async def test_a_claim_that_ran_out_is_not_sent_twice_by_two_instances(h: Harness) -> None:
    from bot.engine.dispatcher import Dispatcher

    flaky = Flaky()
    h.app.add_transport(flaky)
    ident = _identity(h, "x")
    _enqueue(h, ident, "hello", "k1")
    slow = h.app.dispatcher
    other = Dispatcher(h.app.db, h.clock, h.app.settings, h.app.secret, {"flaky": flaky})
    (job,) = await h.app.db.run(slow._claim)  # instance A claims, then stalls
    h.clock.advance(timedelta(minutes=3))  # its claim runs out
    assert await other.dispatch_once() == 1  # instance B takes it over and sends it
    assert await slow._deliver(job) == 0  # A wakes up: the row is no longer its to send
    assert flaky.sent == [("x", "hello")]
    assert h.outbox()[0].state == "sent"
