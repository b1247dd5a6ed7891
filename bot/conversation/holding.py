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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bot import metrics
from bot.clock import Clock
from bot.conversation import batch
from bot.conversation.router import Router
from bot.ports import Inbound
from storage.held import HeldEvents

log = logging.getLogger(__name__)
REFUSED_ALONE = 3  # refusals of one held event, with the database otherwise up, before it is set aside


class Holding:
    def __init__(self, router: Router, held: HeldEvents | None, clock: Clock) -> None:
        self.router, self.held, self.clock = router, held, clock
        self._releasing = asyncio.Lock()
        self._writing = 0  # holds being written now
        self._refusals: dict[str, int] = {}  # held file -> times the database refused it while answering otherwise
        # Events are held (from an earlier run too): new ones queue behind them until they are all handled.
        self.behind = bool(held is not None and held.waiting())

    def count(self) -> int:
        """Held events not yet handled (for /healthz)."""
        return len(self.held.waiting()) if self.held is not None else 0

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
                event, at = _event(await asyncio.to_thread(held.read, path), path)
                await self.router.handle_held(event, at)
            except batch.UNAVAILABLE:
                if not await self._refused_alone(path):
                    return handled, True
                await self._set_aside(held, path)  # the database is up and still refuses this one event
                continue
            except Exception:
                await self._set_aside(held, path)
                continue
            self._refusals.pop(path.name, None)
            await asyncio.to_thread(held.done, path)
            metrics.HELD.labels(platform=event.platform, result="released").inc()
            handled += 1
        return handled, False

    async def _refused_alone(self, path: Path) -> bool:
        """Whether the database refused this event while it answers otherwise, for the REFUSED_ALONE-th time
        (a statement of this event's timing out, say): it must not hold up every event behind it for ever."""
        try:
            await self.router.db.run(lambda s: s.execute(text("SELECT 1")))
        except batch.UNAVAILABLE:
            return False  # the database itself is down: wait
        self._refusals[path.name] = self._refusals.get(path.name, 0) + 1
        return self._refusals[path.name] >= REFUSED_ALONE

    async def _set_aside(self, held: HeldEvents, path: Path) -> None:
        log.exception("a held event (%s) cannot be handled: set aside for the operator", path.name)
        self._refusals.pop(path.name, None)
        await asyncio.to_thread(held.give_up, path)
        metrics.HELD.labels(platform="unknown", result="failed").inc()


def _event(record: dict[str, Any], path: Path) -> tuple[Inbound, datetime]:
    """A held file's event and the moment it arrived (a file of the first form holds the event alone: the
    moment it was written)."""
    if "event" not in record:
        return Inbound(**record), datetime.fromtimestamp(path.stat().st_mtime, UTC)
    return Inbound(**record["event"]), datetime.fromisoformat(record["at"])
