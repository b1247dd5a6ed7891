"""The running app: the database, clock, engine, dispatcher and conversation router, the transports and
services the bootstrap gave it, and the one APScheduler that triggers short sweeps. Built only by
`bot.bootstrap.build`."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from bot.clock import Clock
from bot.conversation.holding import Holding
from bot.conversation.router import Router
from bot.conversation.staff import StaffDoor
from bot.engine.dispatcher import Dispatcher
from bot.engine.engine import Engine
from bot.ports import Inbound, Service, Transport
from bot.services import audit, reach
from bot.services.context import Actor, Ctx
from bot.services.errors import Refused
from bot.settings import Settings
from storage import crypto
from storage.db import CHECKPOINT_SECONDS, Database
from storage.held import HeldEvents

log = logging.getLogger(__name__)
T = TypeVar("T")
HELD_SECONDS = 15  # how often events held while the database was unavailable are tried again


class App:
    def __init__(self, settings: Settings, clock: Clock, db: Database, secret: bytes) -> None:
        self.settings, self.clock, self.db, self.secret = settings, clock, db, secret
        self.transports: dict[str, Transport] = {}
        self.services: list[Service] = []
        self.engine = Engine(db, clock, settings, secret)
        self.dispatcher = Dispatcher(db, clock, settings, secret, self.transports)
        self.router = Router(db, clock, settings, secret, on_outbox=self.kick)
        keys = crypto.registered(db.engine)
        self.holding = Holding(self.router, HeldEvents(settings.held_dir, keys) if keys else None, clock)
        self.staff = StaffDoor(db, clock, settings, secret, on_outbox=self.kick)
        self._kicked: asyncio.Task[Any] | None = None

    def add_transport(self, transport: Transport) -> None:
        self.transports[transport.platform] = transport

    def add_service(self, service: Service) -> None:
        self.services.append(service)

    def ctx(self, s: Any) -> Ctx:
        return Ctx(s, self.clock.now(), self.settings, self.secret)

    def call(self, fn: Callable[[Ctx], T], actor: Actor | None = None) -> T:
        """Run a use case in one transaction. A refusal is audited in its own transaction, then re-raised."""
        try:
            with self.db.session() as s:
                return fn(self.ctx(s))
        except Refused as exc:
            with self.db.session() as s:
                audit.record(self.ctx(s), actor or Actor("unknown"), exc.subject or "refused",
                             family_id=exc.family_id, outcome="refused", detail=exc.reason)
            raise

    async def acall(self, fn: Callable[[Ctx], T], actor: Actor | None = None) -> T:
        result = await self.db.offload(self.call, fn, actor)  # SQLite: the one writer thread
        self.kick()
        return result

    async def handle(self, event: Inbound) -> None:
        """The one inbound door: every platform's events go through the conversation router (held in a file
        if the database cannot take them: bot/conversation/holding.py)."""
        await self.holding.handle(event)

    def kick(self) -> None:
        """Deliver new outbox rows now rather than at the next dispatcher tick."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        if self._kicked is None or self._kicked.done():
            self._kicked = loop.create_task(self.dispatcher.dispatch_once())

    async def tick(self) -> None:
        """One engine pass (held events first) and one delivery pass (what the scheduler does, callable from
        tests)."""
        await self.sweep()
        await self.dispatcher.dispatch_once()

    async def sweep(self) -> None:
        """The engine's pass, after any events held while the database was unavailable (they may answer what
        the sweeps would otherwise find unanswered)."""
        try:
            await self.holding.release()
        except Exception:  # the held directory unreadable, say: logged; the sweeps must run all the same
            log.exception("handling held events failed")
        await self.engine.tick()

    def scheduler(self) -> Any:
        """The process's only APScheduler: three fixed interval jobs (four on SQLite: the log's checkpoint); the
        database decides what is due."""
        from apscheduler.schedulers.asyncio import AsyncIOScheduler

        scheduler = AsyncIOScheduler(job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 30})
        scheduler.add_job(self.sweep, "interval", seconds=self.settings.sweep_seconds, id="sweep",
                          next_run_time=self.clock.now())
        scheduler.add_job(self.dispatcher.dispatch_once, "interval", seconds=self.settings.dispatch_seconds,
                          id="dispatch")
        scheduler.add_job(self.holding.release, "interval", seconds=HELD_SECONDS, id="held",
                          next_run_time=self.clock.now())
        if self.db.checkpoints:  # SQLite: its log copied in the background, not inside a commit (storage/db.py)
            scheduler.add_job(asyncio.to_thread, "interval", args=[self.db.checkpoint], seconds=CHECKPOINT_SECONDS,
                              id="checkpoint")
        return scheduler

    async def run_forever(self, stop: asyncio.Event | None = None, *, serve_http: bool = True,
                          on_ready: Callable[[], Awaitable[None]] | None = None) -> None:
        from bot.web import start_web

        runner = await start_web(self.db, self.services, self.transports.keys, self.settings.http_host,
                                 self.settings.http_port, self.clock, self.holding.count) if serve_http else None
        for service in self.services:
            await service.start()
        scheduler = self.scheduler()
        scheduler.start()
        gc.collect()
        gc.freeze()  # what start-up made lives as long as the process: later collections need not walk it
        log.info("FamilyTeam running: transports %s, http %s", sorted(self.transports),
                 f"on {self.settings.http_host}:{self.settings.http_port}" if serve_http else "off")
        await self.db.run(lambda s: reach.log_unreachable(s, self.settings))
        try:
            if on_ready:
                await on_ready()
            await (stop or asyncio.Event()).wait()
        finally:
            scheduler.shutdown(wait=False)
            await self.dispatcher.finish()  # messages on their way are sent and recorded, not cut off
            for service in reversed(self.services):
                await service.stop()
            if runner is not None:
                await runner.cleanup()
            self.engine.close()
            self.db.dispose()
