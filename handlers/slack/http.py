"""The edge of Slack's HTTP mode: a request is checked before Bolt reads it. Its signature is verified on the
raw bytes (a header or body that is not ASCII or not UTF-8 is simply not signed right: 401, never an
encoding error), and a signed body Bolt cannot read (not UTF-8, JSON that is not an object, a payload of
the wrong shape) is answered 400, never 500: nothing in it could ever be handled."""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

log = logging.getLogger(__name__)
MAX_AGE_SECONDS = 5 * 60  # as Bolt: an older timestamp may be a replay


def _header(request: web.Request, name: bytes) -> bytes:
    for key, value in request.raw_headers:
        if key.lower() == name:
            return value
    return b""


def signed(request: web.Request, body: bytes, secret: bytes, now: float | None = None) -> bool:
    """Slack's v0 signature: HMAC-SHA256 over v0:TIMESTAMP:BODY, with a timestamp within five minutes."""
    stamp = _header(request, b"x-slack-request-timestamp")
    try:
        age = abs((time.time() if now is None else now) - int(stamp))
    except ValueError:
        return False
    if age > MAX_AGE_SECONDS:
        return False
    expected = b"v0=" + hmac.new(secret, b"v0:" + stamp + b":" + body, hashlib.sha256).hexdigest().encode()
    return hmac.compare_digest(expected, _header(request, b"x-slack-signature"))


def make_route(secret: bytes, dispatch: Callable[[AsyncBoltRequest], Awaitable[BoltResponse]]
               ) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def route(request: web.Request) -> web.Response:
        raw = await request.read()
        if not secret or not signed(request, raw, secret):  # no secret: nothing can be signed right
            log.warning("slack: request without a valid signature refused")
            return web.Response(status=401, text="invalid request")
        try:
            body = raw.decode("utf-8")
            headers = {k.lower(): request.headers.getall(k) for k in request.headers}
            bolt_request = AsyncBoltRequest(body=body, query=request.query_string,
                                            headers=headers)  # type: ignore[arg-type]
        except (ValueError, TypeError, KeyError, AttributeError, IndexError) as exc:  # UnicodeDecodeError, JSON
            log.warning("slack: signed request Bolt cannot read refused (%s)", type(exc).__name__)
            return web.Response(status=400, text="unreadable request")
        if not readable(bolt_request.body):
            log.warning("slack: signed request without the fields Slack always sends refused")
            return web.Response(status=400, text="unreadable request")
        return await to_aiohttp_response(await dispatch(bolt_request))

    return route


def _has_id(value: Any) -> bool:
    return isinstance(value, str) and bool(value)


def readable(body: Any) -> bool:
    """The fields every listener relies on, as Slack always sends them: a slash command's user, an interaction's
    user, an event callback's event (anything else Bolt answers itself, e.g. 404 for what nobody handles)."""
    if not isinstance(body, dict) or not isinstance(body.get("type", ""), str):
        return False
    if "command" in body:
        return _has_id(body.get("user_id"))
    if body.get("type") == "event_callback":
        event = body.get("event")
        return isinstance(event, dict) and isinstance(event.get("type", ""), str)
    if "payload" in body or body.get("type") in INTERACTIONS:
        user = body.get("user")
        return isinstance(user, dict) and _has_id(user.get("id"))
    return True


INTERACTIONS = {"block_actions", "view_submission", "view_closed", "shortcut", "message_action", "block_suggestion",
                "interactive_message", "dialog_submission"}
