"""The voice transport (platform "voice", the duty phone's number as its chat id): a call through the
`twilio` library that says a short alert twice (TwiML `<Say>`, in the text's language) and hangs up.

The same account, base URL and failure mapping as the SMS transport (429 and 5xx retry, 4xx permanent).
A call cannot be edited and nothing asks for one (alerts are never edited on this channel): an edit is
ignored (the call made stands), never a second call."""

from __future__ import annotations

from twilio.base.exceptions import TwilioException
from twilio.twiml.voice_response import VoiceResponse

from bot.ports import Delivery
from bot.settings import Settings
from handlers.sms.transport import delivery_error, twilio_client
from messages.outbound import OutboundMessage

# Twilio's <Say> language for each shipped language (its default voice otherwise).
SAY_LANGUAGES = {"en": "en-GB", "es": "es-ES", "pl": "pl-PL"}
MAX_SAY = 500  # an alert is one sentence; a longer text is cut rather than read for minutes


def twiml(message: OutboundMessage) -> str:
    """The call's instructions: the text said twice, a short pause between."""
    language = SAY_LANGUAGES.get(message.language or "")
    text = message.text[:MAX_SAY]
    response = VoiceResponse()
    response.say(text, language=language)
    response.pause(length=1)
    response.say(text, language=language)
    return str(response.to_xml(xml_declaration=False))


class TwilioVoice:
    platform = "voice"

    def __init__(self, settings: Settings) -> None:
        assert settings.twilio_from and not settings.twilio_from.startswith("MG")
        self.client = twilio_client(settings)
        self.caller = settings.twilio_from

    async def send(self, external_id: str, message: OutboundMessage, thread_ref: str | None = None) -> Delivery:
        try:
            call = await self.client.calls.create_async(to=external_id, from_=self.caller, twiml=twiml(message))
        except (TwilioException, OSError) as exc:
            raise delivery_error(exc) from None
        return Delivery(str(call.sid))

    async def edit(self, external_id: str, ref: str, message: OutboundMessage) -> Delivery:
        return Delivery(ref)
