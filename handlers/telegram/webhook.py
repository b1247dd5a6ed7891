"""Webhook mode: Telegram POSTs each update to TELEGRAM_WEBHOOK_URL on the shared aiohttp server.

A request without the right X-Telegram-Bot-Api-Secret-Token gets 403 and has no effect. An update is
handled before the reply, so if handling fails (say the database is down) the reply is 500 and
Telegram delivers it again; the core's InboundReceipt makes sure it counts once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from bot.settings import Settings

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1024 * 1024


def webhook_secret(settings: Settings) -> str:
    """TELEGRAM_WEBHOOK_SECRET, or one derived from the token: stable across restarts and instances,
    so every instance agrees with what setWebhook registered. Telegram allows [A-Za-z0-9_-]{1,256}."""
    if settings.telegram_webhook_secret:
        return settings.telegram_webhook_secret
    token = (settings.telegram_bot_token or "").encode()
    return hmac.new(token, b"familyteam telegram webhook", hashlib.sha256).hexdigest()


def webhook_path(url: str) -> str:
    return urlsplit(url).path or "/"


def make_route(secret: str, handle: Callable[[dict[str, Any]], Awaitable[bool]]
               ) -> Callable[[web.Request], Awaitable[web.Response]]:
    """The aiohttp handler. `handle(json)` returns False while the adapter is not ready yet."""
    expected = secret.encode()

    async def route(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            log.warning("telegram webhook: request without the right secret token refused")
            return web.Response(status=403, text="forbidden")
        if request.content_length is not None and request.content_length > MAX_BODY:
            return web.Response(status=413, text="too large")
        try:
            payload = json.loads(await request.read())
        except ValueError:
            return web.Response(status=400, text="not json")
        if not isinstance(payload, dict) or not isinstance(payload.get("update_id"), int):
            return web.Response(status=400, text="not an update")
        if not await handle(payload):
            return web.Response(status=503, text="starting")  # Telegram will deliver it again
        return web.Response(text="ok")

    return route
