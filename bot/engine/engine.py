"""Runs the sweeps, each in its own transaction, at the clock's current time."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from bot.clock import Clock
from bot.engine.sweeps import BATCH, SWEEPS
from bot.services.context import Ctx
from bot.settings import Settings
from storage.db import Database

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
            total = 0
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
        return report

    async def tick(self) -> TickReport:
        return await asyncio.to_thread(self.tick_sync)
