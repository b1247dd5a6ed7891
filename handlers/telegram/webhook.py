"""Webhook mode: Telegram POSTs each update to TELEGRAM_WEBHOOK_URL on the shared aiohttp server.

A request without the right X-Telegram-Bot-Api-Secret-Token gets 403 and has no effect. A body that is
not an update Telegram could mean (not JSON, no update_id, a shape python-telegram-bot cannot read) gets
200 and is dropped, recorded redacted and counted (bot/metrics.py), so it is not redelivered forever. An update is
handled before the reply, so if handling fails (say the database is down) the reply is 500 and
Telegram delivers it again; the core's InboundReceipt makes sure it counts once. The reply to a button
press carries its answerCallbackQuery (the Bot API performs a method call given as the webhook's response
body), so a press costs no request of its own.
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

from bot.metrics import record_unreadable
from bot.settings import Settings

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
SECRET_HEADER_LOWER = SECRET_HEADER.lower().encode()
MAX_BODY = 1024 * 1024


def webhook_secret(settings: Settings) -> str:
    """TELEGRAM_WEBHOOK_SECRET, or one derived from the token: stable across restarts and instances,
    so every instance agrees with what setWebhook registered. Telegram allows [A-Za-z0-9_-]{1,256}."""
    if settings.telegram_webhook_secret:
        return settings.telegram_webhook_secret.get_secret_value()
    token = settings.telegram_bot_token.get_secret_value().encode() if settings.telegram_bot_token else b""
    return hmac.new(token, b"familyteam telegram webhook", hashlib.sha256).hexdigest()


def webhook_path(url: str) -> str:
    return urlsplit(url).path or "/"


def _given_secret(request: web.Request) -> bytes:
    """The secret header's raw bytes (b"" if absent). Read as bytes, so a value that is not ASCII (or not
    UTF-8 at all) is simply a wrong secret, never an encoding error."""
    for name, value in request.raw_headers:
        if name.lower() == SECRET_HEADER_LOWER:
            return value
    return b""


def _update_id(payload: object) -> int | None:
    value = payload.get("update_id") if isinstance(payload, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def make_route(secret: str, handle: Callable[[dict[str, Any]], Awaitable[bool | dict[str, Any]]]
               ) -> Callable[[web.Request], Awaitable[web.Response]]:
    """The aiohttp handler. `handle(json)` returns False while the adapter is not ready yet, True once the
    update is handled, or a Bot API method call to make in the response (answering a button press).

    A body that is not an update (not JSON, no update_id) is answered 200 and dropped: Telegram would
    deliver it again and again after any other answer, and it would never become one. The log says
    which update it was, never what it said."""
    expected = secret.encode()

    async def route(request: web.Request) -> web.Response:
        if not hmac.compare_digest(_given_secret(request), expected):
            log.warning("telegram webhook: request without the right secret token refused")
            return web.Response(status=403, text="forbidden")
        if request.content_length is not None and request.content_length > MAX_BODY:
            return web.Response(status=413, text="too large")
        try:
            payload = json.loads(await request.read())
        except ValueError:  # includes UnicodeDecodeError
            payload = None
        update_id = _update_id(payload)
        if update_id is None:
            record_unreadable("telegram", None, payload, "not_an_update")
            return web.Response(text="ignored")
        reply = await handle(payload)
        if reply is False:
            return web.Response(status=503, text="starting")  # Telegram will deliver it again
        if isinstance(reply, dict):
            return web.json_response(reply)
        return web.Response(text="ok")

    return route
