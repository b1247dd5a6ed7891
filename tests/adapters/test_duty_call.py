"""With FAMILYTEAM_DUTY_CALL on, each time an alert's chain is exhausted the duty phone is also rung: one call
per exhaustion through the real `twilio` library against the loopback fake, its spoken text the family's alias
and nothing else (no member, no words), said twice. An acknowledgement cancels a call not yet placed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.bootstrap import _add_platforms
from bot.ports import DeliveryError, DeliveryFailure
from bot.testing import settings_for
from handlers.sms.transport import TwilioSms
from handlers.sms.voice import TwilioVoice
from messages import escalations as texts
from messages.catalog import translator
from tests.support.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FROM, FakeTwilio
from tests.support.harness import PLAN, Harness

OPENED = datetime(2026, 11, 30, 20, 0, tzinfo=UTC)  # Sue's 19:00 call, 1 h grace: missed, out of hours
DUTY_PHONE = "+447700900123"
TWILIO = {"TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN, "TWILIO_FROM": FROM,
          "FAMILYTEAM_DUTY_PHONE": DUTY_PHONE, "FAMILYTEAM_DUTY_CALL": True}
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
        assert 'language="en-GB"' in call.twiml
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

    def add_transport(self, transport: Any) -> None:
        self.transports[transport.platform] = transport


@pytest.mark.parametrize(("duty_call", "platforms"), [(True, ["console", "sms", "voice"]),
                                                     (False, ["console", "sms"])])
def test_start_up_adds_the_voice_transport_only_when_calls_are_on(duty_call: bool, platforms: list[str]) -> None:
    app = _Platforms()
    _add_platforms(app, settings_for("sqlite://", **{**TWILIO, "FAMILYTEAM_DUTY_CALL": duty_call}))  # type: ignore[arg-type]
    assert sorted(app.transports) == platforms
