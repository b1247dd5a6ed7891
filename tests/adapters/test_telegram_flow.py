"""End to end over HTTP: the real python-telegram-bot against a fake Bot API server, polling and webhook:
invite link -> consent -> commitments -> check-in at its time -> button press recorded, message edited ->
missed bottom line -> escalation to staff -> late answer shown as late."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from handlers.telegram.links import TelegramInviteLinks
from storage.models import ChatIdentity
from tests.support.fake_telegram import BOT_USERNAME
from tests.support.harness import PLAN
from tests.support.telegram_world import TelegramWorld

pytestmark = pytest.mark.storage  # also on PostgreSQL

STEP = timedelta(minutes=30)
GRAN, SUE = 1001, 1002


@pytest.fixture(params=["polling", "webhook"])
async def world(request: pytest.FixtureRequest, db_url: str) -> AsyncIterator[TelegramWorld]:
    async with TelegramWorld(db_url, request.param) as w:
        yield w


async def test_join_checkin_escalation_late_answer(world: TelegramWorld) -> None:
    w, fake, h = world, world.fake, world.h
    fid = h.make_family()

    # Invite link from getMe's username; /start <code> opens the consent message.
    code = h.invite(fid, "Gran", "key_safety_person")
    link = await TelegramInviteLinks(h.app.settings).invite_link(code)
    assert link == f"https://t.me/{BOT_USERNAME}?start={code}" == await w.adapter.invite_link(code)
    await w.say(GRAN, f"/start {code}", name="Gran")
    consent = fake.last(GRAN)
    assert "invited to join the safety network for the Rowan family" in consent.text
    assert consent.labels() == ["I agree", "No thanks"]
    linked = h.call(lambda ctx: ctx.s.scalar(select(ChatIdentity.person_id).where(
        ChatIdentity.platform == "telegram", ChatIdentity.external_id == str(GRAN))))
    assert linked is None, "nothing is linked before consent"
    await w.press(GRAN, "I agree", consent, name="Gran")
    assert any("Thank you for joining" in t for t in fake.texts(GRAN))
    await w.join(fid, "Sue", SUE, "key_safety_person")

    # The plan: each member gets their own commitments.
    h.apply(fid, PLAN)
    await h.tick()
    assert any("Collect the children from school" in t for t in fake.texts(GRAN))
    assert not any("Call Mum" in t for t in fake.texts(GRAN)), "a member sees only their own commitments"
    assert any("Call Mum" in t for t in fake.texts(SUE))

    # The check-in arrives at its time, with buttons; pressing Done records it and edits the message.
    await h.advance_to(h.now.replace(hour=15, minute=30), step=STEP)
    prompt = fake.last_with_buttons(GRAN)
    assert "Collect the children from school" in prompt.text
    assert prompt.labels() == ["✅ Done", "❌ Not done", "⚠️ Worried", "Add a note"]
    press = await w.press(GRAN, "Done", prompt)
    # Answered once: in the webhook's HTTP response, or by its own request when polling.
    assert await fake.wait_answered(press["callback_query"]["id"]) == ["response" if w.mode == "webhook" else "request"]
    assert "Recorded: Done" in prompt.text and prompt.edits, "the same message, edited"
    # No answer buttons left (the core keeps "Add a note" on the recorded answer, see report).
    assert prompt.labels() in ([], ["Add a note"]), "no answer buttons left"
    assert {c.state for c in h.checkins() if c.due_at <= h.now} == {"done"}

    # Sue's 19:00 bottom-line check-in goes unanswered: after the grace hour, duty staff are told.
    await h.advance_to(h.now.replace(hour=20, minute=5), step=STEP)
    assert [e.reason for e in h.escalations()] == ["missed"]
    assert any("Bottom line needs attention" in t for t in h.texts("duty"))
    assert not any("Bottom line" in t for t in fake.texts(SUE)), "escalations never go to family members"

    # Sue answers late: recorded, shown as late, and staff hear of it.
    sue_prompt = next(m for m in fake.chat(SUE) if "Call Mum" in m.text and m.buttons and "Check-in" in m.text)
    await w.press(SUE, "Done", sue_prompt)
    assert "Recorded: Done" in sue_prompt.text and "(late)" in sue_prompt.text
    assert sue_prompt.labels() in ([], ["Add a note"])
    staff = h.texts("anna") + h.texts("duty") + h.texts("sam")
    assert any("Late answer for the Rowan family" in t for t in staff)

    # Nothing went anywhere but the two members' private chats.
    assert {m.chat_id for m in fake.messages} == {GRAN, SUE}
