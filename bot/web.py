"""The one HTTP server the adapters' webhooks share, with /healthz."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web
from sqlalchemy import func, select

from bot.domain.vocabulary import OutboxState
from storage.models import OutboxMessage

if TYPE_CHECKING:
    from bot.app import FamilyTeam

APP_KEY = web.AppKey("familyteam", object)


def build_web(app: FamilyTeam) -> web.Application:
    webapp = web.Application()
    webapp[APP_KEY] = app

    async def healthz(_request: web.Request) -> web.Response:
        try:
            pending = await app.db.run(lambda s: s.scalar(select(func.count()).select_from(OutboxMessage).where(
                OutboxMessage.state == OutboxState.PENDING)))
        except Exception as exc:  # the database is down: say so, do not crash the server
            return web.json_response({"ok": False, "error": type(exc).__name__}, status=503)
        return web.json_response({"ok": True, "outbox_pending": pending, "transports": sorted(app.transports)})

    webapp.router.add_get("/healthz", healthz)
    return webapp


async def start_web(app: FamilyTeam) -> tuple[web.Application, web.AppRunner]:
    """Start the server. Adapters add their routes before it starts serving (see Service.start)."""
    webapp = build_web(app)
    for service in app.services:
        register = getattr(service, "register_routes", None)
        if register is not None:
            register(webapp)
    runner = web.AppRunner(webapp)
    await runner.setup()
    site = web.TCPSite(runner, app.settings.http_host, app.settings.http_port)
    await site.start()
    return webapp, runner
