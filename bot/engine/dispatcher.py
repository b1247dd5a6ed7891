"""The outbox dispatcher: claims due rows, delivers them through the right transport, and records
the outcome. Urgent rows first; retries with backoff; honours a platform's "retry after". What a
delivery that failed for good means (an alert moving on, a blocked chat) is bot.services.deliveries."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from bot import metrics
from bot.clock import Clock
from bot.domain.vocabulary import OutboxState
from bot.ports import DeliveryError, DeliveryFailure, Transport
from bot.services import deliveries
from bot.services.context import Ctx
from bot.settings import Settings
from messages.outbound import OutboundMessage
from storage.db import Database
from storage.models import ChatIdentity, OutboxMessage
from storage.upsert import claim

log = logging.getLogger(__name__)

CLAIM_FOR = timedelta(minutes=2)
FRESH_CLAIM = timedelta(seconds=10)  # a claim younger than this is not renewed before the send
BATCH = 50
MAX_BACKOFF = timedelta(minutes=15)


@dataclass
class Job:
    id: int
    identity_id: int
    platform: str
    external_id: str
    message: OutboundMessage
    edit_ref: str | None
    thread_ref: str | None
    attempts: int
    claimed_until: datetime


class Dispatcher:
    def __init__(self, db: Database, clock: Clock, settings: Settings, secret: bytes,
                 transports: dict[str, Transport]) -> None:
        self.db, self.clock, self.settings, self.secret = db, clock, settings, secret
        self.transports = transports
        self.paused_until: dict[str, datetime] = {}
        self._lock = asyncio.Lock()

    def _ctx(self, s: Session) -> Ctx:
        return Ctx(s, self.clock.now(), self.settings, self.secret)

    def _claim(self, s: Session) -> list[Job]:
        now = self.clock.now()
        platforms = [p for p in self.transports if self.paused_until.get(p, now) <= now]
        if not platforms:
            return []
        rows = s.execute(
            select(OutboxMessage, ChatIdentity).join(ChatIdentity, ChatIdentity.id == OutboxMessage.identity_id)
            .where(ChatIdentity.platform.in_(platforms), OutboxMessage.next_attempt_at <= now,
                   or_(OutboxMessage.state == OutboxState.PENDING,
                       (OutboxMessage.state == OutboxState.SENDING) & (OutboxMessage.claimed_until < now)))
            .order_by(OutboxMessage.priority, OutboxMessage.next_attempt_at, OutboxMessage.id).limit(BATCH)).all()
        won = _claim_rows(s, [row.id for row, _identity in rows], now)
        jobs = []
        for row, identity in rows:
            if row.id not in won:
                continue  # another instance has it
            message = OutboundMessage.from_payload(row.payload)
            edit_ref = thread_ref = None
            if message.edit_of or message.thread_of:
                parent = s.get(OutboxMessage, message.edit_of or message.thread_of)
                if parent is not None and parent.state in (OutboxState.PENDING, OutboxState.SENDING):
                    # The message to edit or thread under is not out yet (maybe held): try after it.
                    s.execute(update(OutboxMessage).where(OutboxMessage.id == row.id).values(
                        state=OutboxState.PENDING,
                        next_attempt_at=max(now + timedelta(seconds=2), parent.next_attempt_at)))
                    continue
                ref = parent.external_ref if parent is not None and parent.state == OutboxState.SENT else None
                if message.edit_of:
                    edit_ref = ref
                else:
                    thread_ref = ref
            if identity.blocked_at is not None:  # the same consequences as a send refused as blocked
                deliveries.to_blocked_chat(self._ctx(s), row.id)
                metrics.sent(identity.platform, "blocked")
                continue
            jobs.append(Job(row.id, identity.id, identity.platform, identity.external_id, message, edit_ref,
                            thread_ref, row.attempts, now + CLAIM_FOR))
        return jobs

    async def dispatch_once(self) -> int:
        """Deliver what is due now. Returns how many were sent."""
        async with self._lock:
            sent = 0
            while True:
                jobs = await self.db.run(self._claim)
                if not jobs:
                    return sent
                for job in jobs:
                    sent += await self._deliver(job)

    async def _deliver(self, job: Job) -> int:
        transport = self.transports[job.platform]
        now = self.clock.now()
        if self.paused_until.get(job.platform, now) > now:
            await self.db.run(lambda s: self._retry(s, job, None, "platform paused", count=False))
            return 0
        # A batch can take a while (platform pacing): renew this row's claim right before sending, so another
        # instance that saw the batch claim run out can never send it as well. A claim made moments ago has
        # nearly all of CLAIM_FOR left, far longer than a send can take (its HTTP timeouts): no renewal needed.
        held, renewed = job.claimed_until, now + CLAIM_FOR
        if now >= held - CLAIM_FOR + FRESH_CLAIM and not await self.db.run(lambda s: claim(s, update(
                OutboxMessage).where(OutboxMessage.id == job.id, OutboxMessage.state == OutboxState.SENDING,
                                     OutboxMessage.claimed_until == held).values(claimed_until=renewed))):
            return 0
        try:
            if job.message.edit_of and job.edit_ref:
                delivery = await transport.edit(job.external_id, job.edit_ref, job.message)
            else:
                delivery = await transport.send(job.external_id, job.message, thread_ref=job.thread_ref)
        except DeliveryError as exc:
            kind, detail, after = exc.kind, exc.detail, exc.retry_after
            log.debug("outbox %s on %s: %s", job.id, job.platform, kind)
            if kind == DeliveryFailure.RETRY:
                if after:
                    metrics.RATE_LIMITED.labels(platform=job.platform).inc()
                    self.paused_until[job.platform] = self.clock.now() + timedelta(seconds=after)
                await self.db.run(lambda s: self._retry(s, job, after, detail))
            elif kind == DeliveryFailure.BLOCKED:
                await self.db.run(lambda s: self._blocked(s, job, detail))
            else:
                await self.db.run(lambda s: self._failed(s, job, detail))
            return 0
        except Exception as exc:  # a bug or an unexpected library error: retry, never lose the row
            log.exception("delivery of outbox %s failed", job.id)
            name = type(exc).__name__
            await self.db.run(lambda s: self._retry(s, job, None, name))
            return 0
        await self.db.run(lambda s: s.execute(update(OutboxMessage).where(OutboxMessage.id == job.id).values(
            state=OutboxState.SENT, sent_at=self.clock.now(), external_ref=delivery.ref, attempts=job.attempts + 1,
            claimed_until=None)))
        log.debug("outbox %s sent on %s (attempt %s)", job.id, job.platform, job.attempts + 1)
        metrics.sent(job.platform, "sent")
        return 1

    def _retry(self, s: Session, job: Job, retry_after: float | None, detail: str, count: bool = True) -> None:
        attempts = job.attempts + (1 if count else 0)
        if attempts >= self.settings.max_send_attempts:
            self._failed(s, job, f"gave up: {detail}")
            return
        if count:
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


def _claim_rows(s: Session, ids: list[int], now: datetime) -> set[int]:
    """Claim the rows still due and free among `ids` in one statement; the ids this instance won (a row
    another instance claimed, sent or put back for a retry in between is not among them)."""
    if not ids:
        return set()
    return set(s.scalars(
        update(OutboxMessage).where(
            OutboxMessage.id.in_(ids), OutboxMessage.next_attempt_at <= now,
            or_(OutboxMessage.state == OutboxState.PENDING,
                (OutboxMessage.state == OutboxState.SENDING) & (OutboxMessage.claimed_until < now)))
        .values(state=OutboxState.SENDING, claimed_until=now + CLAIM_FOR).returning(OutboxMessage.id),
        execution_options={"synchronize_session": False}))
