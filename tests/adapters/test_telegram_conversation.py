"""The member's side of the conversation over Telegram: joining problems, notes, typed answers,
discreet mode, meetings and the commands."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from storage.models import Checkin, Meeting, MeetingInvitee
from tests.support.harness import PLAN
from tests.support.telegram_world import TelegramWorld

STEP = timedelta(minutes=30)
GRAN, SUE, STRANGER = 1001, 1002, 1999

MEETING = """
[[meeting]]
key = "network-1"
kind = "family_network"
starts = 2026-12-01T10:00:00
place = "Family Centre, Room 2"
invite = ["Gran"]
"""


@pytest.fixture
async def w(sqlite_url: str) -> AsyncIterator[TelegramWorld]:
    async with TelegramWorld(sqlite_url, "polling") as world:
        yield world


async def family_with_plan(w: TelegramWorld, extra: str = "") -> int:
    fid = w.h.make_family()
    await w.join(fid, "Gran", GRAN, "key_safety_person")
    await w.join(fid, "Sue", SUE, "key_safety_person")
    w.h.apply(fid, PLAN + extra)
    await w.h.tick()
    return fid


async def test_start_without_code_and_bad_codes(w: TelegramWorld) -> None:
    fid = w.h.make_family()
    await w.say(STRANGER, "/start")
    assert "you need an invite from their caseworker" in w.fake.last(STRANGER).text
    await w.say(STRANGER, "hello")
    assert "you need an invite" in w.fake.last(STRANGER).text
    code = w.h.invite(fid, "Gran")
    await w.say(GRAN, f"/start {code}")
    await w.press(GRAN, "I agree")
    await w.say(STRANGER, f"/start {code}")
    assert "already been used" in w.fake.last(STRANGER).text
    expiring = w.h.invite(fid, "Sue")
    w.h.clock.advance(timedelta(hours=w.h.app.settings.invite_ttl_hours, minutes=1))
    await w.say(SUE, f"/start {expiring}")
    assert "has expired" in w.fake.last(SUE).text
    for i in range(5):
        await w.say(STRANGER, f"/start WRONG{i}")
        assert "don't recognise this invite code" in w.fake.last(STRANGER).text
    fresh = w.h.invite(fid, "Sue")
    await w.say(STRANGER, f"/start {fresh}")
    assert "Too many codes were tried" in w.fake.last(STRANGER).text, "wrong codes slow a chat down"
    assert w.fake.last(STRANGER).buttons == []


async def test_declining_links_nothing(w: TelegramWorld) -> None:
    fid = w.h.make_family()
    code = w.h.invite(fid, "Gran")
    await w.say(GRAN, f"/start {code}")
    await w.press(GRAN, "No thanks")
    assert "Nothing has been linked" in w.fake.last(GRAN).text
    await w.say(GRAN, "/mine")
    assert "you need an invite" in w.fake.last(GRAN).text


async def test_note_after_button_and_typed_answers(w: TelegramWorld) -> None:
    await family_with_plan(w)
    await w.h.advance_to(w.h.now.replace(hour=15, minute=30), step=STEP)
    prompt = w.fake.last_with_buttons(GRAN)
    await w.press(GRAN, "Add a note", prompt)
    assert w.fake.last(GRAN).text == "Please type your note and send it."
    await w.say(GRAN, "Picked them up a bit late, traffic")
    assert "Your note has been saved" in w.fake.last(GRAN).text
    notes = w.h.call(lambda ctx: list(ctx.s.scalars(select(Checkin.note).where(Checkin.note.is_not(None)))))
    assert notes == ["Picked them up a bit late, traffic"]
    await w.say(GRAN, "sí")
    assert "Recorded: Done" in prompt.text, "a typed answer edits the check-in message too"
    assert w.h.checkins()[0].state == "done"


async def test_discreet_member_sees_details_only_after_a_tap(w: TelegramWorld) -> None:
    await family_with_plan(w)
    await w.say(GRAN, "/discreet")
    assert "Discreet mode is on" in w.fake.last(GRAN).text
    await w.h.advance_to(w.h.now.replace(hour=15, minute=30), step=STEP)
    prompt = w.fake.last_with_buttons(GRAN)
    assert prompt.text == "You have a new check-in."
    assert prompt.labels() == ["Show"]
    await w.press(GRAN, "Show", prompt)
    assert "Collect the children from school" in prompt.text and prompt.labels()[0] == "✅ Done"
    await w.press(GRAN, "Done", prompt)
    assert prompt.text == "Your answer has been recorded." and prompt.labels() == ["Show"], "still discreet"
    await w.press(GRAN, "Show", prompt)
    assert "Recorded: Done" in prompt.text and prompt.labels() == ["Hide"]
    await w.press(GRAN, "Hide", prompt)  # edited in place back to the neutral line
    assert prompt.text == "Your answer has been recorded." and prompt.labels() == ["Show"]


async def test_meeting_reminder_and_reply(w: TelegramWorld) -> None:
    await family_with_plan(w, MEETING)
    notice = next(m for m in w.fake.chat(GRAN) if "Family network meeting" in m.text)
    assert notice.labels() == ["Coming", "Can't come"]
    assert "Family Centre, Room 2" in notice.text
    await w.press(GRAN, "Coming", notice)
    assert "we have you down as coming" in w.fake.last(GRAN).text
    replies = w.h.call(lambda ctx: [r.reply for r in ctx.s.scalars(select(MeetingInvitee))])
    assert replies == ["coming"]
    assert not any("Family network meeting" in t for t in w.fake.texts(SUE)), "only the invited"
    await w.say(GRAN, "/next")
    assert "Family network meeting" in w.fake.last(GRAN).text
    assert w.h.call(lambda ctx: ctx.s.scalar(select(Meeting.place))) == "Family Centre, Room 2"


async def test_commands(w: TelegramWorld) -> None:
    await family_with_plan(w)
    before = len(w.fake.chat(GRAN))
    await w.say(GRAN, "/mine")
    new = w.fake.texts(GRAN)[before:]
    assert any("Collect the children from school" in t for t in new)
    assert not any("Call Mum" in t for t in new)
    await w.say(GRAN, "/help")
    assert "/mine" in w.fake.last(GRAN).text and "/stop" in w.fake.last(GRAN).text
    await w.say(GRAN, "/language")
    assert w.fake.last(GRAN).labels() == ["English", "Español", "Polski"]
    await w.press(GRAN, "es")
    await w.say(GRAN, "/pause 2h")
    assert w.fake.last(GRAN).buttons == []
    await w.say(GRAN, "what?")
    assert w.fake.last(GRAN).buttons == []
    await w.say(SUE, "/stop")
    assert w.fake.last(SUE).labels() == ["Yes, leave", "No, stay"]
    await w.press(SUE, "Yes, leave")
    assert "You have left the safety network for the Rowan family" in w.fake.last(SUE).text
    await w.h.advance_to(w.h.now.replace(hour=19, minute=30), step=STEP)
    assert not any("Check-in" in t for t in w.fake.texts(SUE)), "no check-ins after leaving"


async def test_a_polish_phone_gets_polish_from_the_first_start(w: TelegramWorld) -> None:
    """Telegram's language_code of the first /start decides, for an English family, from the consent on;
    the typed stop asks first and leaves, in Polish, and the caseworker is told."""
    fid = w.h.make_family()
    code = w.h.invite(fid, "Gran", "key_safety_person")
    await w.say(GRAN, f"/start {code}", language="pl")
    consent = w.fake.last_with_buttons(GRAN)
    assert consent is not None and consent.text.startswith("Dzień dobry! Zaproszono cię do sieci bezpieczeństwa")
    await w.press(GRAN, "Zgadzam się", language="pl")
    assert "Dziękujemy za dołączenie" in w.fake.last(GRAN).text
    await w.say(GRAN, "stop proszę", language="pl")
    assert w.fake.last(GRAN).text.startswith("Czy chcesz opuścić sieć bezpieczeństwa")
    await w.press(GRAN, "Tak, wypisz mnie", language="pl")
    assert w.fake.last(GRAN).text.startswith("Opuszczono sieć bezpieczeństwa")
    assert any("Gran has left" in t for t in w.h.texts("anna"))
