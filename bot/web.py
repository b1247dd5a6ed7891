"""The one HTTP server the adapters' webhooks share, with /healthz and /metrics."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import metrics
from bot.clock import Clock
from bot.domain.vocabulary import OutboxState
from bot.ports import Service
from storage.db import Database
from storage.models import ChatIdentity, OutboxMessage

WAITING = (OutboxState.PENDING, OutboxState.SENDING)


class OutboxCollector(Collector):
    """The outbox's depth and the age of its oldest waiting row, by purpose and platform: one GROUP BY
    query when /metrics is scraped (no sweep keeps them)."""

    def __init__(self, db: Database, clock: Clock | None = None) -> None:
        self.db, self.clock = db, clock

    def describe(self) -> Iterator[GaugeMetricFamily]:
        yield from self._families()

    @staticmethod
    def _families() -> tuple[GaugeMetricFamily, GaugeMetricFamily]:
        return (GaugeMetricFamily("familyteam_outbox_depth", "Outbox rows waiting to be delivered (pending or "
                                  "being sent)", labels=["purpose", "platform"]),
                GaugeMetricFamily("familyteam_outbox_oldest_age_seconds", "How long the oldest waiting outbox "
                                  "row has waited", labels=["purpose", "platform"]))

    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = self.clock.now() if self.clock is not None else datetime.now(UTC)
        depth, age = self._families()
        with self.db.session() as s:
            rows = s.execute(select(OutboxMessage.kind, ChatIdentity.platform, func.count(),
                                    func.min(OutboxMessage.created_at))
                             .join(ChatIdentity, ChatIdentity.id == OutboxMessage.identity_id)
                             .where(OutboxMessage.state.in_(WAITING))
                             .group_by(OutboxMessage.kind, ChatIdentity.platform)).all()
        for purpose, platform, count, oldest in rows:
            depth.add_metric([purpose, platform], count)
            age.add_metric([purpose, platform], max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)
        yield depth
        yield age


def metrics_registry(db: Database, clock: Clock | None = None) -> CollectorRegistry:
    """This app's own registry: the outbox collector over its database (the process's counters are on
    bot.metrics.REGISTRY)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(OutboxCollector(db, clock))
    return registry


def build_web(db: Database, platforms: Callable[[], Iterable[str]], clock: Clock | None = None,
              held: Callable[[], int] | None = None) -> web.Application:
    """The bot's HTTP routes: /healthz (the database answers; the outbox's waiting rows; `held`: chat events
    held in files while the database was unavailable, not yet handled) and /metrics."""
    webapp = web.Application()
    registry = metrics_registry(db, clock)

    def waiting(s: Session) -> tuple[int, dict[str, int]]:
        """Rows waiting to go out, and of those the ones for a platform this process does not run (they
        wait until it is configured: staff or members who cannot be reached, see `familyteam check`)."""
        by_platform: dict[str, int] = {platform: n for platform, n in s.execute(
            select(ChatIdentity.platform, func.count(OutboxMessage.id))
            .select_from(OutboxMessage).join(ChatIdentity, ChatIdentity.id == OutboxMessage.identity_id)
            .where(OutboxMessage.state == OutboxState.PENDING).group_by(ChatIdentity.platform))}
        on = set(platforms())
        return sum(by_platform.values()), {p: n for p, n in sorted(by_platform.items()) if p not in on}

    async def healthz(_request: web.Request) -> web.Response:
        try:
            pending, off = await db.run(waiting)
        except Exception as exc:  # the database is down: say so, do not crash the server
            return web.json_response({"ok": False, "error": type(exc).__name__}, status=503)
        waiting_held = await asyncio.to_thread(held) if held is not None else 0
        return web.json_response({"ok": True, "outbox_pending": pending, "transports": sorted(platforms()),
                                  "waiting_for_platform_off": off, "held_events": waiting_held})

    async def metrics_route(_request: web.Request) -> web.Response:
        try:
            body = await asyncio.to_thread(lambda: metrics.exposition() + generate_latest(registry))
        except Exception as exc:  # the database is down: the counters alone, and a 503 to say so
            return web.Response(status=503, body=metrics.exposition(), headers={
                "Content-Type": CONTENT_TYPE_LATEST, "X-FamilyTeam-Error": type(exc).__name__})
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    webapp.router.add_get("/healthz", healthz)
    webapp.router.add_get("/metrics", metrics_route)
    return webapp


class PathOnlyAccessLogger(AbstractAccessLogger):
    """One line a request: method, path, status and time, never the query string (a key press's URL carries
    a signed button) or a header."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info("%s %s %s %.3fs", request.method, request.path, response.status, time)


async def start_web(db: Database, services: Sequence[Service], platforms: Callable[[], Iterable[str]],
                    host: str, port: int, clock: Clock | None = None,
                    held: Callable[[], int] | None = None) -> web.AppRunner:
    """Start the server. Adapters add their routes before it starts serving."""
    webapp = build_web(db, platforms, clock, held)
    for service in services:
        service.register_routes(webapp)
    runner = web.AppRunner(webapp, access_log_class=PathOnlyAccessLogger)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
