"""The SMS transport (platform "sms", the duty phone's number as its chat id) through the `twilio` library.

Twilio's async client (`AsyncTwilioHttpClient`, aiohttp) sends; the base URL can be moved
(TWILIO_API_BASE_URL: a regional edge, or a test double on loopback) by an http client that rewrites
https://api.twilio.com to it. Twilio's errors become the dispatcher's: 429 and 5xx retry, 4xx is
permanent (a text cannot be retried into being valid). A text cannot be edited: an edit is sent as a new
text, and nothing ever asks for one (alerts by SMS are followed up, never edited)."""

from __future__ import annotations

import base64
import logging
from typing import Any

from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from bot.ports import Delivery, DeliveryError, DeliveryFailure
from bot.settings import Settings, reveal
from messages.outbound import OutboundMessage

log = logging.getLogger(__name__)

TWILIO_API = "https://api.twilio.com"
MAX_SMS = 1600  # Twilio's limit for one message body


def encode_basic_auth(login: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode("ascii")


class _BaseUrlClient(AsyncTwilioHttpClient):
    """Twilio's own async client, its requests sent to another base URL."""

    def __init__(self, base_url: str) -> None:
        super().__init__(pool_connections=False, timeout=15)
        self.base_url = base_url.rstrip("/")

    async def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        if url.startswith(TWILIO_API):
            url = self.base_url + url[len(TWILIO_API):]
        auth = kwargs.pop("auth", None)
        if auth is not None:  # as a header: aiohttp's BasicAuth parameter is deprecated
            kwargs["headers"] = {**(kwargs.get("headers") or {}), "Authorization": encode_basic_auth(*auth)}
        return await super().request(method, url, *args, **kwargs)


def twilio_client(settings: Settings) -> Client:
    """Twilio's client for the configured account, its requests sent to TWILIO_API_BASE_URL if set."""
    assert settings.twilio_account_sid
    http = _BaseUrlClient(settings.twilio_api_base_url or TWILIO_API)
    return Client(settings.twilio_account_sid, reveal(settings.twilio_auth_token), http_client=http)


def delivery_error(exc: TwilioException | OSError) -> DeliveryError:
    """Twilio's error as the dispatcher's: 429 and 5xx retry, another 4xx is permanent, no answer retries."""
    if isinstance(exc, TwilioRestException):
        kind = DeliveryFailure.RETRY if exc.status == 429 or exc.status >= 500 else DeliveryFailure.PERMANENT
        return DeliveryError(kind, f"twilio {exc.status} {exc.code or ''}".strip())
    return DeliveryError(DeliveryFailure.RETRY, type(exc).__name__)


class TwilioSms:
    platform = "sms"

    def __init__(self, settings: Settings) -> None:
        assert settings.twilio_from
        self.client = twilio_client(settings)
        self.sender = settings.twilio_from

    async def send(self, external_id: str, message: OutboundMessage, thread_ref: str | None = None) -> Delivery:
        sender = ({"messaging_service_sid": self.sender} if self.sender.startswith("MG") else {"from_": self.sender})
        try:
            sent = await self.client.messages.create_async(to=external_id, body=message.text[:MAX_SMS], **sender)
        except (TwilioException, OSError) as exc:
            raise delivery_error(exc) from None
        return Delivery(str(sent.sid))

    async def edit(self, external_id: str, ref: str, message: OutboundMessage) -> Delivery:
        return await self.send(external_id, message)
