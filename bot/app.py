"""The composition root: one FamilyTeam holds the database, clock, engine, dispatcher, router and
the transports, and runs them under one APScheduler with a constant set of jobs."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.exc import IntegrityError

from bot.clock import Clock, SystemClock
from bot.engine.dispatcher import Dispatcher
from bot.engine.engine import Engine
from bot.inbound import Router
from bot.services import audit
from bot.services.context import Actor, Ctx
from bot.services.errors import Refused
from bot.settings import Settings
from handlers.base import Transport
from storage.db import Database
from storage.migrate import alembic_config, upgrade
from storage.models import KeyValue

log = logging.getLogger(__name__)
T = TypeVar("T")


class SchemaOutOfDate(RuntimeError):
    pass


def prepare_database(db: Database) -> None:
    """SQLite (the embedded default) is created and upgraded on first run; other databases must be
    upgraded explicitly with `familyteam db upgrade`, so several instances never race a migration."""
    head = ScriptDirectory.from_config(alembic_config(db.url)).get_current_head()
    with db.engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    if current == head:
        return
    if db.dialect == "sqlite":
        upgrade(db.engine)
        return
    raise SchemaOutOfDate(f"database schema is at {current or 'nothing'}, code needs {head}: "
                          "run `familyteam db upgrade`")


def load_secret(db: Database, configured: str | None) -> bytes:
    """FAMILYTEAM_SECRET if set; else one generated on first run and kept in the database."""
    if configured:
        return configured.encode()
    with db.session() as s:
        row = s.get(KeyValue, "button_secret")
        if row is not None:
            return row.value.encode()
    try:
        with db.session() as s:
            s.add(KeyValue(key="button_secret", value=secrets.token_hex(32)))
    except IntegrityError:
        pass  # another instance made it first
    with db.session() as s:
        return s.get_one(KeyValue, "button_secret").value.encode()


class Service(Protocol):
    """A transport with a life: started with the app and stopped with it (Telegram, Slack)."""

    async def start(self, app: FamilyTeam, web: Any) -> None: ...

    async def stop(self) -> None: ...


class FamilyTeam:
    def __init__(self, settings: Settings, clock: Clock | None = None, db: Database | None = None) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self.db = db or Database(settings.database_url)
        prepare_database(self.db)
        self.secret = load_secret(self.db, settings.secret)
        self.transports: dict[str, Transport] = {}
        self.services: list[Service] = []
        self.engine = Engine(self.db, self.clock, settings, self.secret)
        self.dispatcher = Dispatcher(self.db, self.clock, settings, self.secret, self.transports)
        self.router = Router(self.db, self.clock, settings, self.secret, on_outbox=self.kick)
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
        result = await asyncio.to_thread(self.call, fn, actor)
        self.kick()
        return result

    def kick(self) -> None:
        """Deliver new outbox rows now rather than at the next dispatcher tick."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        if self._kicked is None or self._kicked.done():
            self._kicked = loop.create_task(self.dispatcher.dispatch_once())

    async def tick(self) -> None:
        """One engine pass and one delivery pass (what the scheduler does, callable from tests)."""
        await self.engine.tick()
        await self.dispatcher.dispatch_once()

    async def run_forever(self, stop: asyncio.Event | None = None,
                          on_ready: Callable[[], Awaitable[None]] | None = None) -> None:
        from apscheduler.schedulers.asyncio import AsyncIOScheduler

        from bot.web import start_web

        web, runner = await start_web(self)
        for service in self.services:
            await service.start(self, web)
        scheduler = AsyncIOScheduler(job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 30})
        scheduler.add_job(self.engine.tick, "interval", seconds=self.settings.sweep_seconds, id="sweep",
                          next_run_time=self.clock.now())
        scheduler.add_job(self.dispatcher.dispatch_once, "interval", seconds=self.settings.dispatch_seconds,
                          id="dispatch")
        scheduler.start()
        log.info("FamilyTeam running: transports %s, http on %s:%s", sorted(self.transports),
                 self.settings.http_host, self.settings.http_port)
        try:
            if on_ready:
                await on_ready()
            await (stop or asyncio.Event()).wait()
        finally:
            scheduler.shutdown(wait=False)
            for service in reversed(self.services):
                await service.stop()
            await runner.cleanup()
            self.db.dispose()
