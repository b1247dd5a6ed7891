"""The outbox dispatcher: claims due rows, delivers them through the right transport, and records the
outcome. What a delivery that failed for good means (an alert moving on, a blocked chat) is
bot.services.deliveries; which rows may go now is bot.engine.claims; the platform's budget is
bot.engine.pacing.

One dispatch turn keeps a queue of claimed rows topped up while it sends: each chat's rows go one after
another (in claim order), different chats concurrently, within the transport's limits (`Transport.limits`):
a shared token bucket handed out most urgent first, and a chat's next message not before `chat_interval`
after its last (a row that would come too soon is put back for then). A "retry after" for one chat delays
that chat only; several chats refused within a second pause the platform. A send whose outcome is unknown
(a timeout after the request left) is resent only when it is a safety message, and counted."""

from __future__ import annotations

import asyncio
import bisect
import functools
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlalchemy import bindparam, update
from sqlalchemy.orm import Session

from bot import metrics
from bot.clock import Clock
from bot.domain.vocabulary import OutboxPurpose, OutboxState
from bot.engine.claims import CLAIM_FOR, Job, claim_due, put_back
from bot.engine.pacing import Gate, RateWatch
from bot.ports import DeliveryError, DeliveryFailure, Transport, limits_of
from bot.services import deliveries
from bot.services.context import Ctx
from bot.settings import Settings
from storage.db import Database
from storage.models import OutboxMessage
from storage.upsert import claim

__all__ = ["CLAIM_FOR", "Dispatcher", "Job"]

_SENT = update(OutboxMessage).where(OutboxMessage.id == bindparam("oid")).values(  # built once: one a message
    state=OutboxState.SENT, sent_at=bindparam("at", type_=OutboxMessage.__table__.c.sent_at.type),
    external_ref=bindparam("ref"), attempts=bindparam("attempts"), claimed_until=None)

log = logging.getLogger(__name__)

FRESH_CLAIM = timedelta(seconds=10)  # a claim younger than this is not renewed before the send
BATCH = 50  # rows claimed and not yet done, at most, per turn
REFILL = 10  # claim again once this many places are free
POLL = 0.25  # seconds: how often a busy turn looks for new rows (an urgent one jumps the queue)
SHUTDOWN_GRACE = 15.0  # seconds a stopping process gives the sends under way to finish and be recorded
MAX_BACKOFF = timedelta(minutes=15)


class _Turn:
    """One dispatch_once: the claimed rows per chat, and each chat's sender."""

    def __init__(self) -> None:
        self.queues: dict[tuple[str, str], list[Job]] = {}
        self.tasks: dict[tuple[str, str], asyncio.Task[None]] = {}
        self.sending = 0  # taken from a queue and not done yet (waiting for the budget included)
        self.sent = 0

    @property
    def open(self) -> int:
        """Claimed and not yet done."""
        return self.sending + sum(len(queue) for queue in self.queues.values())

    def add(self, job: Job) -> bool:
        """Queue the job behind its chat's; True if the chat has no sender yet."""
        queue = self.queues.setdefault(job.chat, [])
        bisect.insort(queue, job, key=lambda j: (j.priority, j.id))
        return job.chat not in self.tasks


class Dispatcher:
    def __init__(self, db: Database, clock: Clock, settings: Settings, secret: bytes,
                 transports: dict[str, Transport]) -> None:
        self.db, self.clock, self.settings, self.secret = db, clock, settings, secret
        self.transports = transports
        self.paused_until: dict[str, datetime] = {}  # a platform's own "retry after": nothing goes till then
        self.monotonic: Callable[[], float] = time.monotonic  # the budget's time (tests move it by hand)
        self.sleep: Callable[[float], Awaitable[object]] = asyncio.sleep
        self._gates: dict[str, Gate] = {}
        self._watch = RateWatch(lambda: self.monotonic())
        self._next_slot: dict[tuple[str, str], datetime] = {}  # a chat's next message not before this
        self._maybe_sent: dict[int, int] = {}  # safety rows resent after unknown outcomes: how many (this process)
        self._lock = asyncio.Lock()
        self.stopping = False  # set by finish(): no new claims, no further sends

    def _ctx(self, s: Session) -> Ctx:
        return Ctx(s, self.clock.now(), self.settings, self.secret)

    def _gate(self, platform: str) -> Gate:
        if platform not in self._gates:
            self._gates[platform] = Gate(limits_of(self.transports[platform]), lambda: self.monotonic(),
                                         lambda seconds: self.sleep(seconds))
        return self._gates[platform]

    def _claim(self, s: Session, limit: int = BATCH) -> list[Job]:
        now = self.clock.now()
        platforms = [p for p in self.transports if self.paused_until.get(p, now) <= now]
        return claim_due(s, now, platforms, limit, self._ctx)

    async def dispatch_once(self) -> int:
        """Deliver what is due now (and what falls due while this runs). Returns how many were sent."""
        async with self._lock:
            turn = _Turn()
            try:
                while True:
                    jobs = await self._top_up(turn)
                    for job in jobs:
                        if turn.add(job):
                            turn.tasks[job.chat] = asyncio.create_task(self._chat(turn, job.chat))
                    if not turn.tasks:
                        if not jobs or self.stopping:
                            return turn.sent
                        continue
                    await asyncio.wait(list(turn.tasks.values()), timeout=POLL, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in turn.tasks.values():
                    task.cancel()

    async def _top_up(self, turn: _Turn) -> list[Job]:
        """More rows for the turn when there is room (none once finish() was called: the chats' senders stop
        after the message they are on). A failed claim with sends under way is logged, and they finish."""
        room = BATCH - turn.open
        if self.stopping or (room < REFILL and turn.tasks):
            return []
        try:
            return await self.db.run(functools.partial(self._claim, limit=room))
        except Exception:  # sends under way finish and are recorded (never cancelled half-way)
            if not turn.tasks:
                raise
            log.exception("claiming outbox rows failed; finishing the sends under way")
            return []

    async def finish(self, grace: float = SHUTDOWN_GRACE) -> bool:
        """At shutdown: claim nothing more, let each message already on its way finish and be recorded (a send
        cancelled half-way would stay 'sending' and go again, maybe twice, after its claim ran out), and put the
        rows claimed but not tried back. True if the turn ended within `grace` seconds."""
        self.stopping = True
        try:
            await asyncio.wait_for(self._lock.acquire(), grace)
        except TimeoutError:
            log.warning("shutdown: sends still under way after %s s", grace)
            return False
        self._lock.release()
        return True

    async def _chat(self, turn: _Turn, chat: tuple[str, str]) -> None:
        """One chat's claimed rows, in order; after one that must be tried again, the rest wait for it."""
        queue = turn.queues[chat]
        try:
            while queue and not self.stopping:
                job = queue.pop(0)
                turn.sending += 1
                try:
                    turn.sent += await self._deliver(job)
                finally:
                    turn.sending -= 1
                if job.hold and queue:
                    rest = [j.id for j in queue]
                    queue.clear()  # (a more urgent row claimed meanwhile may still join it and go)
                    await self.db.run(functools.partial(put_back, ids=rest))
            if queue:  # stopping: the rows not tried are pending again for the next start (nothing was sent)
                rest = [j.id for j in queue]
                queue.clear()
                await self.db.run(functools.partial(put_back, ids=rest))
        except Exception:  # the database went away, say: the rows left are taken again once their claim runs out
            log.exception("dispatch to one chat on %s stopped", chat[0])
        finally:
            del turn.tasks[chat]
            del turn.queues[chat]

    async def _deliver(self, job: Job) -> int:
        """Send one claimed row and record the outcome: 1 if sent. Sets `job.hold` when the chat's later rows
        must wait for this one."""
        transport, limits = self.transports[job.platform], limits_of(self.transports[job.platform])
        if await self._not_yet(job):
            return 0
        await self._gate(job.platform).acquire(job.priority)
        if await self._not_yet(job) or not await self._renew(job):  # paused while it waited for the budget
            return 0
        if limits.chat_interval > 0:
            self._remember_slot(job, timedelta(seconds=limits.chat_interval))
        try:
            if job.message.edit_of and job.edit_ref:
                delivery = await transport.edit(job.external_id, job.edit_ref, job.message)
            else:
                delivery = await transport.send(job.external_id, job.message, thread_ref=job.thread_ref)
        except DeliveryError as exc:
            log.debug("outbox %s on %s: %s", job.id, job.platform, exc.kind)
            await self._refused(job, exc)
            return 0
        except Exception as exc:  # a bug or an unexpected library error: retry, never lose the row
            log.exception("delivery of outbox %s failed", job.id)
            name = type(exc).__name__
            job.hold = True
            await self.db.run(lambda s: self._retry(s, job, None, name))
            return 0
        await self.db.run(lambda s: s.execute(_SENT, {"oid": job.id, "at": self.clock.now(), "ref": delivery.ref,
                                                     "attempts": job.attempts + 1}))
        log.debug("outbox %s sent on %s (attempt %s)", job.id, job.platform, job.attempts + 1)
        metrics.sent(job.platform, "sent")
        if job.id in self._maybe_sent:  # each earlier unknown outcome may have arrived too
            metrics.DUPLICATES.labels(platform=job.platform, purpose=job.purpose).inc(self._maybe_sent.pop(job.id))
        return 1

    async def _not_yet(self, job: Job) -> bool:
        """The platform is paused, or this chat had a message moments ago: the row is put back for then, and
        the chat's later rows wait with it."""
        now = self.clock.now()
        wait_until = max(self.paused_until.get(job.platform, now), self._next_slot.get(job.chat, now))
        if wait_until <= now:
            return False
        job.hold = True
        await self.db.run(lambda s: put_back(s, [job.id], wait_until))
        return True

    async def _renew(self, job: Job) -> bool:
        """A turn can take a while (pacing): renew this row's claim right before sending, so another instance
        that saw the claim run out can never send it as well. A claim made moments ago has nearly all of
        CLAIM_FOR left, far longer than a send can take (its HTTP timeouts): no renewal needed."""
        now = self.clock.now()
        held, renewed = job.claimed_until, now + CLAIM_FOR
        if now < held - CLAIM_FOR + FRESH_CLAIM:
            return True
        won = await self.db.run(lambda s: claim(s, update(OutboxMessage).where(
            OutboxMessage.id == job.id, OutboxMessage.state == OutboxState.SENDING,
            OutboxMessage.claimed_until == held).values(claimed_until=renewed)))
        if won:
            job.claimed_until = renewed
        return bool(won)

    def _remember_slot(self, job: Job, interval: timedelta) -> None:
        now = self.clock.now()
        if len(self._next_slot) > 4096:
            self._next_slot = {k: v for k, v in self._next_slot.items() if v > now}
        self._next_slot[job.chat] = max(self._next_slot.get(job.chat, now), now + interval)

    async def _refused(self, job: Job, exc: DeliveryError) -> None:
        kind, detail, after = exc.kind, exc.detail, exc.retry_after
        if kind == DeliveryFailure.RETRY:
            job.hold = True
            if after:
                self._rate_limited(job, after)
            await self.db.run(lambda s: self._retry(s, job, after, detail))
        elif kind == DeliveryFailure.UNKNOWN:
            await self._unknown(job, detail)
        elif kind == DeliveryFailure.BLOCKED:
            await self.db.run(lambda s: self._blocked(s, job, detail))
        else:
            await self.db.run(lambda s: self._failed(s, job, detail))

    def _rate_limited(self, job: Job, after: float) -> None:
        """A 429: this chat waits `after` seconds; if several chats were refused within a second, it was the
        platform's overall limit, and everything on it waits."""
        metrics.RATE_LIMITED.labels(platform=job.platform).inc()
        until = self.clock.now() + timedelta(seconds=after)
        self._next_slot[job.chat] = max(self._next_slot.get(job.chat, until), until)
        if self._watch.is_global(job.platform, job.external_id):
            self.paused_until[job.platform] = max(self.paused_until.get(job.platform, until), until)

    async def _unknown(self, job: Job, detail: str) -> None:
        """The request left and no answer came: maybe delivered. A safety message is sent again (the chat's
        later messages wait for it) and counted as a possible duplicate; anything else is not risked twice."""
        if OutboxPurpose(job.purpose).resent_when_unknown:
            metrics.UNKNOWN.labels(platform=job.platform, purpose=job.purpose, action="resent").inc()
            self._maybe_sent[job.id] = self._maybe_sent.get(job.id, 0) + 1
            job.hold = True
            await self.db.run(lambda s: self._retry(s, job, None, f"unknown: {detail}"))
            return
        metrics.UNKNOWN.labels(platform=job.platform, purpose=job.purpose, action="not_resent").inc()
        metrics.sent(job.platform, "unknown")
        await self.db.run(lambda s: s.execute(update(OutboxMessage).where(OutboxMessage.id == job.id).values(
            state=OutboxState.UNKNOWN, sent_at=self.clock.now(), attempts=job.attempts + 1, claimed_until=None,
            last_error=f"unknown: {detail}"[:200])))

    def _retry(self, s: Session, job: Job, retry_after: float | None, detail: str) -> None:
        attempts = job.attempts + 1
        if attempts >= self.settings.max_send_attempts:
            self._failed(s, job, f"gave up: {detail}")
            return
        metrics.sent(job.platform, "retried")
        backoff = min(MAX_BACKOFF, timedelta(seconds=5 * 2**attempts))
        delay = timedelta(seconds=retry_after) if retry_after else backoff
        s.execute(update(OutboxMessage).where(OutboxMessage.id == job.id).values(
            state=OutboxState.PENDING, attempts=attempts, next_attempt_at=self.clock.now() + delay,
            last_error=detail[:200], claimed_until=None))

    def _failed(self, s: Session, job: Job, detail: str) -> None:
        deliveries.failed(self._ctx(s), job.id, job.attempts + 1, detail)
        metrics.sent(job.platform, "failed")

    def _blocked(self, s: Session, job: Job, detail: str) -> None:
        deliveries.blocked(self._ctx(s), job.id, job.identity_id, job.attempts + 1, detail)
        metrics.sent(job.platform, "blocked")
