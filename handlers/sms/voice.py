"""The voice transport (platform "voice", the duty phone's number as its chat id): a call through the
`twilio` library that says a short alert twice (TwiML `<Say>`, in the text's language) and hangs up.

With TWILIO_VOICE_WEBHOOK_URL set, a call whose message carries a button (an alert's "take it") asks for a
key: pressing 1 makes Twilio POST to that URL, signed with the account's auth token (X-Twilio-Signature,
checked with twilio's RequestValidator over the URL and the form); the press goes to the core as the button,
like any chat's (the conversation router, the acknowledgement, the alert's other copies updated), and the
call says a text follows. What the core answers to this number (a message not made to be heard: no
language) goes as a text, never as another call.

The same account, base URL and failure mapping as the SMS transport (429 and 5xx retry, 4xx permanent).
A call cannot be edited and nothing asks for one (alerts are never edited on this channel): an edit is
ignored (the call made stands), never a second call."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode, urlsplit

from aiohttp import web
from twilio.base.exceptions import TwilioException
from twilio.request_validator import RequestValidator
from twilio.twiml.voice_response import Gather, VoiceResponse

from bot.ports import Delivery, Inbound, InboundKind, InboundSink
from bot.settings import Settings, reveal
from handlers.sms.transport import MAX_SMS, delivery_error, twilio_client
from messages import escalations as texts
from messages.catalog import translator
from messages.outbound import OutboundMessage

log = logging.getLogger(__name__)

# Twilio's <Say> language for each shipped language (its default voice otherwise).
SAY_LANGUAGES = {"en": "en-GB", "es": "es-ES", "pl": "pl-PL"}
MAX_SAY = 500  # an alert is one sentence; a longer text is cut rather than read for minutes
KEY = "1"


def twiml(message: OutboundMessage, action: str | None = None) -> str:
    """The call's instructions: the text said twice, a short pause between; with `action` (where a key press
    goes) the first time asks for the key of the message's first button."""
    language = SAY_LANGUAGES.get(message.language or "")
    text = message.text[:MAX_SAY]
    response = VoiceResponse()
    if action and message.buttons:  # the key is heard during both readings
        gather = Gather(num_digits=1, action=action, method="POST", timeout=10)
        gather.say(text + " " + message.buttons[0][0].label, language=language)
        gather.pause(length=1)
        gather.say(text + " " + message.buttons[0][0].label, language=language)
        response.append(gather)
        return str(response.to_xml(xml_declaration=False))
    response.say(text, language=language)
    response.pause(length=1)
    response.say(text, language=language)
    return str(response.to_xml(xml_declaration=False))


def _spoken(words: str, language: str | None) -> web.Response:
    response = VoiceResponse()
    response.say(words, language=SAY_LANGUAGES.get(language or ""))
    return web.Response(text=str(response.to_xml(xml_declaration=False)), content_type="text/xml")


class TwilioVoice:
    platform = "voice"

    def __init__(self, settings: Settings, sink: InboundSink | None = None) -> None:
        assert settings.twilio_from and not settings.twilio_from.startswith("MG")
        self.client = twilio_client(settings)
        self.caller = settings.twilio_from
        self.sink = sink
        self.webhook_url = settings.twilio_voice_webhook_url if sink is not None else None
        self.validator = RequestValidator(reveal(settings.twilio_auth_token))

    async def send(self, external_id: str, message: OutboundMessage, thread_ref: str | None = None) -> Delivery:
        try:
            if message.language is None:  # not made to be heard: the answer to a key press, by text
                sent: Any = await self.client.messages.create_async(to=external_id, from_=self.caller,
                                                                    body=message.text[:MAX_SMS])
            else:
                sent = await self.client.calls.create_async(to=external_id, from_=self.caller,
                                                            twiml=twiml(message, self._action(message)))
        except (TwilioException, OSError) as exc:
            raise delivery_error(exc) from None
        return Delivery(str(sent.sid))

    async def edit(self, external_id: str, ref: str, message: OutboundMessage) -> Delivery:
        return Delivery(ref)

    def _action(self, message: OutboundMessage) -> str | None:
        if not self.webhook_url or not message.buttons:
            return None
        return self.webhook_url + "?" + urlencode({"d": message.buttons[0][0].data, "l": message.language or ""})

    # --- the key press (a Service: its route on the bot's HTTP server) ----------------------------------

    def register_routes(self, webapp: Any) -> None:
        if self.webhook_url:
            webapp.router.add_post(urlsplit(self.webhook_url).path or "/", self._on_key)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def _on_key(self, request: web.Request) -> web.Response:
        form = {k: str(v) for k, v in (await request.post()).items()}
        query = request.rel_url.raw_query_string  # as Twilio requested it, still encoded: what it signed
        url = f"{self.webhook_url}?{query}" if query else str(self.webhook_url)
        if not self.validator.validate(url, form, request.headers.get("X-Twilio-Signature", "")):
            log.warning("voice: a key press with a bad signature, refused")
            return web.Response(status=403)
        language, data = request.query.get("l") or None, request.query.get("d", "")
        tr = translator(language or "en")
        if form.get("Digits") != KEY or not data or self.sink is None:
            return _spoken(texts.call_key_heard(tr, taken=False), language)
        await self.sink(Inbound(self.platform, form.get("To", ""), InboundKind.BUTTON, data=data,
                                event_id=f"twilio:{form.get('CallSid', '')}:{KEY}"))
        return _spoken(texts.call_key_heard(tr, taken=True), language)
