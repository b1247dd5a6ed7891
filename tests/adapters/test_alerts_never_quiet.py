"""Done when: a 12-hour unacknowledged bottom-line alert keeps repeating and going round the chain, and by
SMS to the duty phone (the real `twilio` library against a loopback fake of its REST API); one
acknowledgement stops every repeat on every channel and edits every alert to say who took it."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from handlers.sms.transport import TwilioSms
from storage.models import ChatIdentity
from tests.support.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FROM, FakeTwilio
from tests.support.harness import PLAN, Harness

OPENED = datetime(2026, 11, 30, 20, 0, tzinfo=UTC)  # Sue's 19:00 call, 1 h grace: missed, out of hours
DUTY_PHONE = "+447700900123"


def _alerts(h: Harness, esc_id: int) -> Counter[str]:
    """Alerts sent for the escalation, by chat (each repeat and each new step is a new alert)."""
    chats = h.call(lambda ctx: {i.id: i.external_id for i in ctx.s.scalars(select(ChatIdentity))})
    return Counter(chats[r.identity_id] for r in h.outbox() if r.escalation_id == esc_id and r.kind == "escalation"
                   and r.state == "sent")


async def test_twelve_unacknowledged_hours_then_one_acknowledgement_stops_everything(db_url: str) -> None:
    fake = await FakeTwilio().start()
    h = Harness(db_url, TWILIO_ACCOUNT_SID=ACCOUNT_SID, TWILIO_AUTH_TOKEN=AUTH_TOKEN, TWILIO_FROM=FROM,
                TWILIO_API_BASE_URL=fake.url, FAMILYTEAM_DUTY_PHONE=DUTY_PHONE)
    try:
        h.app.add_transport(TwilioSms(h.app.settings))
        await h.network(PLAN)
        await h.advance_to(OPENED)
        (esc,) = h.escalations()
        assert esc.chain_roles == ["duty", "supervisor", "caseworker"]
        assert _alerts(h, esc.id) == {"duty": 1}

        await h.advance_to(OPENED + timedelta(hours=12))  # one jump: the engine runs at each due moment on the way
        # 30 min a step, a repeat after 15: each 90-minute round gives each person 2 alerts; 8 rounds in 12 h,
        # and at 12 h the ninth round begins with duty.
        assert _alerts(h, esc.id) == {"duty": 17, "sam": 16, "anna": 16}
        steps = [a.detail for a in h.audit("escalation.notify")]
        assert len(steps) == 25 and steps[-1] == "step 24 duty" and steps[-2] == "step 23 caseworker"
        assert len(h.audit("escalation.repeat")) == 24
        assert any("Repeat 1: still not acknowledged" in t for t in h.texts("sam"))
        # The duty phone: once each time the chain was exhausted (steps 3, 6, ... 24), the alias and no case detail.
        assert len(fake.texts) == 8
        assert {(t.to, t.sender) for t in fake.texts} == {(DUTY_PHONE, FROM)}
        assert all("the Rowan family" in t.body and "drinking" not in t.body for t in fake.texts)
        assert fake.calls == [] and not h.audit("escalation.call"), "FAMILYTEAM_DUTY_CALL is off: no call"

        fake.fail_next = 503  # the next text fails once and waits for its retry ...
        await h.advance_to(OPENED + timedelta(hours=13, minutes=30))  # step 27: chain exhausted again
        waiting = [r for r in h.outbox() if r.kind == "escalation_sms" and r.state == "pending"]
        assert len(waiting) == 1 and len(fake.texts) == 8

        await h.press("anna", "Acknowledge")  # ... and is never sent: acknowledged
        (esc,) = h.escalations()
        assert esc.state == "acknowledged" and esc.next_step_at is None
        assert [r.state for r in h.outbox() if r.id == waiting[0].id] == ["cancelled"]
        sent_before = Counter(_alerts(h, esc.id))
        await h.advance(timedelta(hours=6))
        assert _alerts(h, esc.id) == sent_before, "no repeat and no step after the acknowledgement"
        assert len(fake.texts) == 9 and "acknowledged by Anna" in fake.texts[-1].body
        for chat in ("duty", "sam", "anna"):
            alerts = [line for line in h.inbox(chat) if "needs attention" in line.text]
            assert alerts and all("Acknowledged by Anna" in line.text for line in alerts), chat
            assert all("Acknowledge" not in b.label for line in alerts for row in line.buttons for b in row)
    finally:
        h.close()
        await fake.stop()
