"""The inbound door's last resort: an event the database could not take (still unavailable after the router's
retries) is held in a file (storage.held) and handled once the database is back, so nothing a person wrote
or pressed is lost because their platform had already been told it was delivered. A held event handled twice
(redelivered meanwhile) has its effect once: the receipt of its event id."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import asdict

from bot import metrics
from bot.conversation import batch
from bot.conversation.router import Router
from bot.ports import Inbound
from storage.held import HeldEvents

log = logging.getLogger(__name__)


class Holding:
    def __init__(self, router: Router, held: HeldEvents | None) -> None:
        self.router, self.held = router, held
        self._releasing = asyncio.Lock()

    async def handle(self, event: Inbound) -> None:
        """The router's door; an event the database cannot take is held (raised when there is nowhere to hold
        it: no data keys to encrypt it with)."""
        try:
            await self.router.handle(event)
        except batch.UNAVAILABLE:
            if self.held is None:
                raise
            held = self.held
            await asyncio.to_thread(lambda: held.hold(asdict(event), time.time_ns()))
            metrics.HELD.labels(platform=event.platform, result="held").inc()
            log.error("inbound %s:%s held in a file: the database is unavailable", event.platform, event.event_id)

    async def release(self) -> int:
        """Handle the held events, the oldest first, until the database refuses again; one that fails for
        another reason is set aside for the operator (logged, kept as a .failed file). Returns those handled."""
        if self.held is None:
            return 0
        held, handled = self.held, 0
        async with self._releasing:
            for path in await asyncio.to_thread(held.waiting):
                try:
                    event = Inbound(**await asyncio.to_thread(held.read, path))
                    await self.router.handle(event)
                except batch.UNAVAILABLE:
                    break
                except Exception:
                    log.exception("a held event (%s) cannot be handled: set aside for the operator", path.name)
                    await asyncio.to_thread(held.give_up, path)
                    metrics.HELD.labels(platform="unknown", result="failed").inc()
                    continue
                await asyncio.to_thread(held.done, path)
                metrics.HELD.labels(platform=event.platform, result="released").inc()
                handled += 1
        if handled:
            log.info("inbound: %d held event(s) handled", handled)
        return handled
