"""Runs the sweeps, each in its own transaction, at the clock's current time."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select

from bot import metrics
from bot.clock import Clock
from bot.domain.vocabulary import OutboxState
from bot.engine.sweeps import BATCH, SWEEPS, WHEN_NEXT
from bot.services.context import Ctx
from bot.settings import Settings
from storage.db import Database
from storage.models import ChatIdentity, OutboxMessage

log = logging.getLogger(__name__)


@dataclass
class TickReport:
    counts: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)


class Engine:
    def __init__(self, db: Database, clock: Clock, settings: Settings, secret: bytes) -> None:
        self.db, self.clock, self.settings, self.secret = db, clock, settings, secret

    def tick_sync(self) -> TickReport:
        """One pass of every sweep. A sweep that fills its batch runs again, so a long downtime
        is caught up in one tick; a failing sweep is logged and does not stop the others."""
        report = TickReport()
        now = self.clock.now()
        for name, sweep in SWEEPS:
            total, started = 0, time.perf_counter()
            try:
                while True:
                    with self.db.session() as s:
                        n = sweep(Ctx(s, now, self.settings, self.secret))
                    total += n
                    if n < BATCH:
                        break
            except Exception:
                log.exception("sweep %s failed", name)
                report.failures.append(name)
            report.counts[name] = total
            metrics.SWEEP_SECONDS.labels(sweep=name).observe(time.perf_counter() - started)
        log.debug("tick at %s: %s", now.isoformat(), {k: v for k, v in report.counts.items() if v} or "nothing due")
        return report

    async def tick(self) -> TickReport:
        return await asyncio.to_thread(self.tick_sync)

    def next_due(self, now: datetime | None = None) -> datetime | None:
        """The earliest moment at which a sweep could have work: a few indexed MIN() queries, no writes.
        A moment at or before `now` means some sweep has work now; None means nothing is scheduled."""
        now = self.clock.now() if now is None else now
        with self.db.session() as s:
            ctx = Ctx(s, now, self.settings, self.secret)
            moments = [moment for _, when in WHEN_NEXT if (moment := when(ctx)) is not None]
        return min(moments, default=None)


def next_delivery(db: Database, now: datetime, platforms: Iterable[str]) -> datetime | None:
    """The earliest moment the dispatcher could have a row to send on these platforms: a pending row's next
    attempt (at or before `now`: one is due now), or just after a stale claim runs out."""
    names = list(platforms)
    with db.session() as s:
        pending = s.scalar(select(func.min(OutboxMessage.next_attempt_at))
                           .join(ChatIdentity, ChatIdentity.id == OutboxMessage.identity_id)
                           .where(OutboxMessage.state == OutboxState.PENDING, ChatIdentity.platform.in_(names)))
        claimed = s.scalar(select(func.min(OutboxMessage.claimed_until)).where(
            OutboxMessage.state == OutboxState.SENDING, OutboxMessage.claimed_until >= now))
    if claimed is not None:
        claimed += timedelta(seconds=1)  # a claim is taken over once it has run out (strictly after)
    return min((m for m in (pending, claimed) if m is not None), default=None)
