"""The inbound door's last resort: an event the database could not take (still unavailable after the router's
retries) is held in a file (storage.held) and handled once the database is back, so nothing a person wrote
or pressed is lost because their platform had already been told it was delivered.

Held events are handled the oldest first, each as of the moment it arrived (an answer given in time counts as
in time), before the engine's sweeps run again (bot.app: a question answered while the database was down is
not then marked missed). While any is held, new events are held behind them, so a person's words keep their
order. A held event handled twice (redelivered meanwhile) has its effect once: the receipt of its event id."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

from bot import metrics
from bot.clock import Clock
from bot.conversation import batch
from bot.conversation.router import Router
from bot.ports import Inbound
from storage.held import HeldEvents

log = logging.getLogger(__name__)


class Holding:
    def __init__(self, router: Router, held: HeldEvents | None, clock: Clock) -> None:
        self.router, self.held, self.clock = router, held, clock
        self._releasing = asyncio.Lock()
        self._writing = 0  # holds being written now
        # Events are held (from an earlier run too): new ones queue behind them until they are all handled.
        self.behind = bool(held is not None and held.waiting())

    async def handle(self, event: Inbound) -> None:
        """The router's door; an event the database cannot take is held (raised when there is nowhere to hold
        it: no data keys to encrypt it with)."""
        if self.behind and self.held is not None:
            await self._hold(self.held, event, "queued")
            return
        try:
            await self.router.handle(event)
        except batch.UNAVAILABLE:
            if self.held is None:
                raise
            await self._hold(self.held, event, "held")
            log.error("inbound %s:%s held in a file: the database is unavailable", event.platform, event.event_id)

    async def _hold(self, held: HeldEvents, event: Inbound, why: str) -> None:
        self.behind = True
        self._writing += 1
        try:
            record = {"event": asdict(event), "at": self.clock.now().isoformat()}
            await asyncio.to_thread(held.hold, record, time.time_ns())
        finally:
            self._writing -= 1
        metrics.HELD.labels(platform=event.platform, result=why).inc()

    async def release(self) -> int:
        """Handle the held events, the oldest first, until none is left or the database refuses again; one
        that fails for another reason is set aside for the operator (logged, kept as a .failed file). Returns
        those handled."""
        if self.held is None:
            return 0
        handled = 0
        async with self._releasing:
            while True:
                paths = await asyncio.to_thread(self.held.waiting)
                if not paths:
                    if not self._writing:
                        self.behind = False
                    break
                done, stopped = await self._release(self.held, paths)
                handled += done
                if stopped:
                    break
        if handled:
            log.info("inbound: %d held event(s) handled", handled)
        return handled

    async def _release(self, held: HeldEvents, paths: list[Path]) -> tuple[int, bool]:
        """(handled, whether the database refused again)."""
        handled = 0
        for path in paths:
            try:
                record = await asyncio.to_thread(held.read, path)
                event = Inbound(**record["event"])
                await self.router.handle_held(event, datetime.fromisoformat(record["at"]))
            except batch.UNAVAILABLE:
                return handled, True
            except Exception:
                log.exception("a held event (%s) cannot be handled: set aside for the operator", path.name)
                await asyncio.to_thread(held.give_up, path)
                metrics.HELD.labels(platform="unknown", result="failed").inc()
                continue
            await asyncio.to_thread(held.done, path)
            metrics.HELD.labels(platform=event.platform, result="released").inc()
            handled += 1
        return handled, False
