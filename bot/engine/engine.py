"""Runs the sweeps, each in its own transaction, at the clock's current time."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, select

from bot import metrics
from bot.clock import Clock
from bot.domain.vocabulary import OutboxState
from bot.engine.sweeps import BATCH, SHARED, SWEEPS, WHEN_NEXT, Sweep
from bot.services import jobs
from bot.services.context import Ctx
from bot.settings import Settings
from storage.db import Database
from storage.models import ChatIdentity, OutboxMessage

log = logging.getLogger(__name__)
MAX_TICK_SECONDS = 60.0  # a tick with more to do ends here; the scheduler's next tick carries on at once


@dataclass
class TickReport:
    counts: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)


@dataclass
class _Passes:
    """Which sweeps a tick's next pass runs."""

    before: datetime | None = None  # the time of the pass before (None: this is the first pass)
    done: set[str] = field(default_factory=set)  # run in this tick, and all that was due then done
    dropped: set[str] = field(default_factory=set)  # failed, or had work due and did none

    def runs(self, name: str, moment: datetime | None, now: datetime) -> bool:
        if name in self.dropped or moment is None or moment > now:
            return False
        # Done with what was due at the pass before: again only for what fell due since.
        return not (name in self.done and self.before is not None and moment <= self.before)

    def ran(self, name: str, done: int, failed: bool, more: bool) -> None:
        self.done.discard(name)
        if failed or not done:
            self.dropped.add(name)
        elif not more:
            self.done.add(name)


class Engine:
    def __init__(self, db: Database, clock: Clock, settings: Settings, secret: bytes) -> None:
        self.db, self.clock, self.settings, self.secret = db, clock, settings, secret
        # A sweep whose claims skip what another transaction holds (SHARED) runs on this many connections at
        # once where the database has concurrent writers; SQLite has one writer, so there it runs alone.
        self.workers = settings.engine_workers if db.engine.dialect.name != "sqlite" else 1
        self._pool = ThreadPoolExecutor(self.workers - 1, "sweep") if self.workers > 1 else None
        self._closed = False

    def tick_sync(self) -> TickReport:
        """Passes over the sweeps that have work, in their order (the most urgent first). One statement asks
        each sweep's "when next" (an idle tick is that statement alone), asked again after a sweep did work (it
        may have made work for the next). A pass runs one batch of each sweep with work; a batch that filled up
        or used its time (a quarter of a second: bot.services.jobs.within) may have left work, and so may
        work that fell due since the last pass: another pass follows, at the clock's new time. So a long
        downtime is caught up in one tick, and thousands due at once (Sunday's thanks for every family) hold
        back what falls due meanwhile (a bottom line's escalation step, a question) by one batch, not until
        they are all done. A sweep that fails, or has work due and does none, is logged and not run again in
        this tick. A tick ends after MAX_TICK_SECONDS (the scheduler's next one carries on), when the moments
        cannot be read (one pass of every sweep, blind), or when the engine is closing."""
        report = TickReport(counts={name: 0 for name, _ in SWEEPS})
        now, started = self.clock.now(), time.monotonic()
        moments = self._moments_or_all(now, report)
        state = _Passes()
        while self._pass(now, moments, state, report):
            if "when_next" in report.failures or self._closed or time.monotonic() - started >= MAX_TICK_SECONDS:
                break
            state.before, now = now, self.clock.now()
            moments = self._moments_or_all(now, report)
        log.debug("tick at %s: %s", now.isoformat(), {k: v for k, v in report.counts.items() if v} or "nothing due")
        return report

    def _pass(self, now: datetime, moments: dict[str, datetime | None], state: _Passes,
              report: TickReport) -> bool:
        """One batch of each sweep that runs in this pass: whether any did work."""
        worked = False
        for name, sweep in SWEEPS:
            if not state.runs(name, moments.get(name), now):
                continue
            done, failed, more = self._run(name, sweep, now, report)
            report.counts[name] += done
            state.ran(name, done, failed, more)
            if done:
                worked = True
                moments.update(self._moments_or_all(now, report))
        return worked

    def _moments_or_all(self, now: datetime, report: TickReport) -> dict[str, datetime | None]:
        """Each sweep's next moment; if they cannot be read, every sweep runs (each fails on its own)."""
        try:
            return self.moments(now)
        except Exception:
            log.exception("reading the sweeps' next moments failed")
            report.failures.append("when_next")
            return {name: now for name, _ in SWEEPS}

    def close(self) -> None:
        """A tick in progress ends after its pass (on this thread), and the workers' threads end."""
        self._closed = True
        if self._pool is not None:
            self._pool.shutdown()

    def _run(self, name: str, sweep: Sweep, now: datetime, report: TickReport) -> tuple[int, bool, bool]:
        """One batch of a sweep (of each worker's, for a shared one): (the work done, whether a batch failed:
        logged, undone and reported, whether a batch may have left work: it filled up or used its time)."""
        started = time.perf_counter()
        others = self._others(name, sweep, now)  # the other workers of a shared sweep, one on this thread
        runs = [self._batch(name, sweep, now)]
        if others:
            wait(others)
            runs += [future.result() for future in others]
        took = time.perf_counter() - started
        failed = any(n is None for n in runs)
        if failed:
            report.failures.append(name)
        metrics.SWEEP_SECONDS.labels(sweep=name).observe(took)
        more = took >= jobs.BATCH_SECONDS or any(n is not None and n >= BATCH for n in runs)
        return sum(n or 0 for n in runs), failed, more

    def _others(self, name: str, sweep: Sweep, now: datetime) -> list[Future[int | None]]:
        if self._pool is None or name not in SHARED or self._closed:
            return []
        try:
            return [self._pool.submit(self._batch, name, sweep, now) for _ in range(self.workers - 1)]
        except RuntimeError:  # closed meanwhile: this thread alone
            return []

    def _batch(self, name: str, sweep: Sweep, now: datetime) -> int | None:
        """One batch in its own transaction: the work done (None: it failed, was logged and undone)."""
        try:
            with self.db.session() as s:
                return sweep(Ctx(s, now, self.settings, self.secret))
        except Exception:
            log.exception("sweep %s failed", name)
            return None

    async def tick(self) -> TickReport:
        return await asyncio.to_thread(self.tick_sync)

    def moments(self, now: datetime) -> dict[str, datetime | None]:
        """Each sweep's earliest moment with work (at or before `now`: it has work now; None: nothing
        scheduled): one statement of indexed LIMIT 1 lookups, no writes."""
        with self.db.writing(), self.db.engine.connect() as conn:  # SQLite: one transaction at a time
            row = conn.execute(NEXT_DUE, {"now": now}).one()
        return dict(row._mapping)

    def next_due(self, now: datetime | None = None) -> datetime | None:
        """The earliest moment at which a sweep could have work (at or before `now`: some sweep has work now;
        None: nothing is scheduled)."""
        moments = self.moments(self.clock.now() if now is None else now).values()
        return min((moment for moment in moments if moment is not None), default=None)


NEXT_DUE = select(*(when.scalar_subquery().label(name) for name, when in WHEN_NEXT))


_AT = OutboxMessage.__table__.c.next_attempt_at.type
# Built once, with bound parameters (a statement's construction costs more than running it).
NEXT_DELIVERY = select(
    select(func.min(OutboxMessage.next_attempt_at)).join(ChatIdentity, ChatIdentity.id == OutboxMessage.identity_id)
    .where(OutboxMessage.state == OutboxState.PENDING,
           ChatIdentity.platform.in_(bindparam("platforms", expanding=True))).scalar_subquery().label("pending"),
    select(func.min(OutboxMessage.claimed_until)).where(
        OutboxMessage.state == OutboxState.SENDING, OutboxMessage.claimed_until >= bindparam("now", type_=_AT))
    .scalar_subquery().label("claimed"))


def next_delivery(db: Database, now: datetime, platforms: Iterable[str]) -> datetime | None:
    """The earliest moment the dispatcher could have a row to send on these platforms: a pending row's next
    attempt (at or before `now`: one is due now), or just after a stale claim runs out."""
    with db.session() as s:
        pending, claimed = s.execute(NEXT_DELIVERY, {"platforms": list(platforms), "now": now}).one()
    if claimed is not None:
        claimed += timedelta(seconds=1)  # a claim is taken over once it has run out (strictly after)
    return min((m for m in (pending, claimed) if m is not None), default=None)
