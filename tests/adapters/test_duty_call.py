"""With FAMILYTEAM_DUTY_CALL on, each time an alert's chain is exhausted the duty phone is also rung: one call
per exhaustion through the real `twilio` library against the loopback fake, its spoken text the family's alias
and nothing else (no member, no words), said twice. An acknowledgement cancels a call not yet placed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from xml.etree import ElementTree

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import update
from twilio.request_validator import RequestValidator

from bot.bootstrap import _add_platforms
from bot.ports import DeliveryError, DeliveryFailure
from bot.services.context import Actor
from bot.services.errors import Refused
from bot.services.families import require_staff
from bot.testing import settings_for
from handlers.sms.transport import TwilioSms
from handlers.sms.voice import TwilioVoice
from messages import escalations as texts
from messages.catalog import translator
from storage.models import Family, OutboxMessage, Person
from tests.support.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FROM, FakeTwilio
from tests.support.harness import PLAN, Harness

OPENED = datetime(2026, 11, 30, 20, 0, tzinfo=UTC)  # Sue's 19:00 call, 1 h grace: missed, out of hours
DUTY_PHONE = "+447700900123"
TWILIO = {"TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN, "TWILIO_FROM": FROM,
          "FAMILYTEAM_DUTY_PHONE": DUTY_PHONE, "FAMILYTEAM_DUTY_CALL": True}
WEBHOOK = "https://bot.example.org/twilio/voice"
CASE_WORDS = ("Sue", "Gran", "drinking", "Call Mum", "children", "Kevin")


async def test_each_exhausted_chain_rings_the_duty_phone_once_and_an_acknowledgement_cancels_the_next(
        db_url: str) -> None:
    fake = await FakeTwilio().start()
    h = Harness(db_url, TWILIO_API_BASE_URL=fake.url, **TWILIO)
    try:
        h.app.add_transport(TwilioSms(h.app.settings))
        h.app.add_transport(TwilioVoice(h.app.settings))
        await h.network(PLAN)
        await h.advance_to(OPENED + timedelta(hours=2, minutes=59))  # duty, supervisor, caseworker, then again
        assert [a.detail for a in h.audit("escalation.call")] == ["step 3"], "one call for the exhausted chain"
        assert len(fake.calls) == 1 and len(fake.texts) == 1 and len(h.audit("escalation.repeat")) == 6
        (call,) = fake.calls
        assert (call.to, call.caller) == (DUTY_PHONE, FROM)
        assert call.twiml.count("<Say") == 2 and call.twiml.count("the Rowan family") == 2, call.twiml
        assert 'language="en-GB"' in call.twiml and "<Gather" not in call.twiml, "no webhook URL: no key asked"
        assert not any(word in call.twiml for word in CASE_WORDS), call.twiml

        h.clock.set(OPENED + timedelta(hours=3))
        await h.app.engine.tick()  # step 6: the chain exhausted again, the call recorded but not yet placed
        (waiting,) = [r for r in h.outbox() if r.kind == "escalation_call" and r.state == "pending"]
        (esc,) = h.escalations()
        assert (waiting.escalation_id, waiting.escalation_step) == (esc.id, 6)
        await h.press("anna", "Acknowledge")
        assert [r.state for r in h.outbox() if r.id == waiting.id] == ["cancelled"]
        await h.advance(timedelta(hours=2))
        assert len(fake.calls) == 1, "no call after the acknowledgement, and none to say who took it"
        assert "acknowledged by Anna" in fake.texts[-1].body, "the text says who took it"
    finally:
        h.close()
        await fake.stop()


async def test_the_call_speaks_the_familys_language_and_fails_like_a_text() -> None:
    fake = await FakeTwilio().start()
    try:
        voice = TwilioVoice(settings_for("sqlite://", TWILIO_API_BASE_URL=fake.url, **TWILIO))
        await voice.send(DUTY_PHONE, texts.call_alert(translator("es"), "la familia Rowan"))
        (call,) = fake.calls
        assert 'language="es-ES"' in call.twiml and call.twiml.count("la familia Rowan") == 2
        assert "FamilyTeam urgent alert" not in call.twiml, "said in Spanish, not English"
        for status, kind in ((503, DeliveryFailure.RETRY), (429, DeliveryFailure.RETRY),
                             (400, DeliveryFailure.PERMANENT)):
            fake.fail_next = status
            with pytest.raises(DeliveryError) as failed:
                await voice.send(DUTY_PHONE, texts.call_alert(translator("en"), "the Rowan family"))
            assert failed.value.kind == kind, status
        assert len(fake.calls) == 1
        assert (await voice.edit(DUTY_PHONE, "CA1", texts.call_alert(translator("en"), "x"))).ref == "CA1"
        assert len(fake.calls) == 1, "an edit never rings again"
    finally:
        await fake.stop()


class _Platforms:
    def __init__(self) -> None:
        self.transports: dict[str, object] = {}
        self.services: list[object] = []

    def add_transport(self, transport: Any) -> None:
        self.transports[transport.platform] = transport

    def add_service(self, service: Any) -> None:
        self.services.append(service)

    async def handle(self, event: Any) -> None:
        return None


@pytest.mark.parametrize(("duty_call", "webhook", "platforms", "served"), [
    (True, WEBHOOK, ["console", "sms", "voice"], ["voice"]),
    (True, None, ["console", "sms", "voice"], []),
    (False, WEBHOOK, ["console", "sms"], [])])
def test_start_up_adds_the_voice_transport_only_when_calls_are_on_and_its_route_with_a_webhook_url(
        duty_call: bool, webhook: str | None, platforms: list[str], served: list[str]) -> None:
    app = _Platforms()
    extra = {**TWILIO, "FAMILYTEAM_DUTY_CALL": duty_call, "TWILIO_VOICE_WEBHOOK_URL": webhook}
    _add_platforms(app, settings_for("sqlite://", **extra))  # type: ignore[arg-type]
    assert sorted(app.transports) == platforms
    assert [getattr(s, "platform", None) for s in app.services] == served


async def _press(client: TestClient, action: str, digits: str, signature: str | None = None,
                 call_sid: str = "CA0001") -> tuple[int, str]:
    """Twilio's request after a key press on the call: the action URL, the call's form, signed as Twilio signs
    (signature "": no signature header at all)."""
    form = {"CallSid": call_sid, "Digits": digits, "To": DUTY_PHONE, "From": FROM, "AccountSid": ACCOUNT_SID}
    signed = signature if signature is not None else RequestValidator(AUTH_TOKEN).compute_signature(action, form)
    split = urlsplit(action)
    headers = {"X-Twilio-Signature": signed} if signed else {}
    response = await client.post(f"{split.path}?{split.query}", data=form, headers=headers)
    return response.status, await response.text()


# What the call says in the family's language: the key's prompt, and after a key: not taken / a text follows.
SPOKEN = {
    "en": ("To take this alert, press 1 now.", "Not taken. The alert stays open.",
           "FamilyTeam will text you now to say whether the alert is yours",
           "Acknowledged by duty phone at Mon 30 Nov, 22:59."),
    "es": ("Para hacerte cargo de esta alerta, pulsa 1 ahora.", "No se ha asignado. La alerta sigue abierta.",
           "FamilyTeam te enviará ahora un mensaje para decirte si la alerta es tuya",
           "duty phone confirmó la recepción el lun 30 nov, 22:59."),
    "pl": ("Aby przejąć ten alarm, naciśnij teraz 1.", "Nie przejęto. Alarm pozostaje otwarty.",
           "FamilyTeam wyśle teraz SMS z informacją, czy alarm jest Twój",
           "Przyjęte przez: duty phone, pon. 30 lis, 22:59."),
}  # and the last line of every staff copy of the alert (in the family's language) once the phone took it


@pytest.mark.parametrize("language", sorted(SPOKEN))
async def test_the_duty_phone_takes_the_alert_by_pressing_1_and_is_texted_that_it_is_theirs(
        sqlite_url: str, language: str) -> None:
    """20:00 Sue's bottom line is missed; by 22:59 duty, the supervisor and the caseworker were each told and
    nobody took it, so the duty phone rings: "... To take this alert, press 1 now." The phone presses 1: the
    alert is theirs (acknowledged by the duty phone, everyone's copy says so), the call says a text follows,
    and the text says it is theirs. A forged press is refused; another key takes nothing."""
    fake = await FakeTwilio().start()
    h = Harness(sqlite_url, TWILIO_API_BASE_URL=fake.url, TWILIO_VOICE_WEBHOOK_URL=WEBHOOK, **TWILIO)
    voice = TwilioVoice(h.app.settings, sink=h.app.handle)
    webapp = web.Application()
    voice.register_routes(webapp)
    client = TestClient(TestServer(webapp))
    await client.start_server()
    try:
        h.app.add_transport(TwilioSms(h.app.settings))
        h.app.add_transport(voice)
        await h.network(PLAN)
        h.call(lambda ctx: ctx.s.execute(update(Family).values(language=language)))  # the family's own language
        await h.advance_to(OPENED + timedelta(hours=2, minutes=59))
        (call,) = fake.calls
        prompt, not_taken, text_follows, taken_by = SPOKEN[language]
        gather = ElementTree.fromstring(call.twiml).find("Gather")
        assert gather is not None and gather.get("numDigits") == "1", call.twiml
        assert prompt in call.twiml and call.twiml.count("the Rowan family") == 2
        action = gather.get("action") or ""
        assert action.startswith(WEBHOOK + "?d=") and not any(word in call.twiml for word in CASE_WORDS)

        assert (await _press(client, action, "1", signature="forged"))[0] == 403
        assert (await _press(client, action, "1", signature=""))[0] == 403
        assert call.twiml.count(prompt) == 2, "the key is heard during both readings"
        status, spoken = await _press(client, action, "2")
        assert status == 200 and not_taken in spoken
        (esc,) = h.escalations()
        assert esc.state == "open"

        rung = h.call(lambda ctx: ctx.s.execute(update(OutboxMessage).where(OutboxMessage.kind == "escalation_call")
                                                .values(state="cancelled")))  # as if the call had never gone out
        await _press(client, action, "1", call_sid="CA0000")
        (esc,) = h.escalations()
        assert esc.state == "open" and rung.rowcount == 1, "the duty phone takes only what it was rung about"
        h.call(lambda ctx: ctx.s.execute(update(OutboxMessage).where(OutboxMessage.kind == "escalation_call")
                                         .values(state="sent")))

        status, spoken = await _press(client, action, "1")
        assert status == 200 and text_follows in spoken
        await h.app.dispatcher.dispatch_once()
        (esc,) = h.escalations()
        assert esc.state == "acknowledged"
        taker = h.call(lambda ctx: ctx.s.get_one(Person, esc.acknowledged_by).display_name)
        assert taker == "duty phone"
        to_phone = [t.body for t in fake.texts if t.to == DUTY_PHONE]
        assert to_phone[-1] == "Thank you. You have acknowledged it; nobody else will be asked."
        assert not any("was acknowledged by" in t for t in to_phone), "not told who took it: it took it itself"
        assert len(fake.calls) == 1, "the answer to a key press is a text, never another call"
        assert h.texts("anna")[-1].endswith(taken_by), "the caseworker's copy says who took it"

        status, spoken = await _press(client, action, "1")  # Twilio sends the same press again
        await h.app.dispatcher.dispatch_once()
        assert status == 200 and to_phone == [t.body for t in fake.texts if t.to == DUTY_PHONE], "once"
        phone = Actor("duty phone", person_id=esc.acknowledged_by)
        with pytest.raises(Refused):  # taking an alert it was rung about is all the duty phone may do
            h.call(lambda ctx: require_staff(ctx, phone, esc.family_id, "escalation.resolve"))
    finally:
        await client.close()
        h.close()
        await fake.stop()
