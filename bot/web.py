"""The one HTTP server the adapters' webhooks share, with /healthz."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from aiohttp import web
from sqlalchemy import func, select

from bot.domain.vocabulary import OutboxState
from bot.ports import Service
from storage.db import Database
from storage.models import OutboxMessage


def build_web(db: Database, platforms: Callable[[], Iterable[str]]) -> web.Application:
    webapp = web.Application()

    async def healthz(_request: web.Request) -> web.Response:
        try:
            pending = await db.run(lambda s: s.scalar(select(func.count()).select_from(OutboxMessage).where(
                OutboxMessage.state == OutboxState.PENDING)))
        except Exception as exc:  # the database is down: say so, do not crash the server
            return web.json_response({"ok": False, "error": type(exc).__name__}, status=503)
        return web.json_response({"ok": True, "outbox_pending": pending, "transports": sorted(platforms())})

    webapp.router.add_get("/healthz", healthz)
    return webapp


async def start_web(db: Database, services: Sequence[Service], platforms: Callable[[], Iterable[str]],
                    host: str, port: int) -> web.AppRunner:
    """Start the server. Adapters add their routes before it starts serving."""
    webapp = build_web(db, platforms)
    for service in services:
        service.register_routes(webapp)
    runner = web.AppRunner(webapp)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
