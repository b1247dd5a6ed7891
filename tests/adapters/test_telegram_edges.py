"""The hard cases over real HTTP: forged and borrowed buttons, duplicate updates, 429 and 5xx from the
API, a member who blocked the bot, group chats, webhook secrets."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest
from sqlalchemy import func, select

from bot.domain.vocabulary import OutboxState
from storage.models import ChatIdentity, InboundReceipt
from tests.support.fake_telegram import TOKEN, Sent
from tests.support.harness import PLAN
from tests.support.telegram_world import TelegramWorld

STEP = timedelta(minutes=30)
GRAN, SUE, GROUP = 1001, 1002, -5001


@pytest.fixture(params=["polling", "webhook"])
async def world(request: pytest.FixtureRequest, sqlite_url: str) -> AsyncIterator[TelegramWorld]:
    async with TelegramWorld(sqlite_url, request.param) as w:
        yield w


@pytest.fixture
async def polling(sqlite_url: str) -> AsyncIterator[TelegramWorld]:
    async with TelegramWorld(sqlite_url, "polling") as w:
        yield w


@pytest.fixture
async def webhook(sqlite_url: str) -> AsyncIterator[TelegramWorld]:
    async with TelegramWorld(sqlite_url, "webhook") as w:
        yield w


async def family_with_plan(w: TelegramWorld) -> int:
    fid = w.h.make_family()
    await w.join(fid, "Gran", GRAN, "key_safety_person")
    await w.join(fid, "Sue", SUE, "key_safety_person")
    w.h.apply(fid, PLAN)
    await w.h.tick()
    return fid


def gran_checkin_state(w: TelegramWorld) -> str:
    return next(c.state for c in w.h.checkins() if c.due_at.hour == 15)


async def test_forged_button_is_refused_and_audited(world: TelegramWorld) -> None:
    await family_with_plan(world)
    await world.h.advance_to(world.h.now.replace(hour=15, minute=30), step=STEP)
    prompt = world.fake.last_with_buttons(GRAN)
    good = prompt.button("Done")
    forged = good[:-1] + ("A" if good[-1] != "A" else "B")
    await world.press(GRAN, "Done", prompt, data=forged)
    assert world.fake.last(GRAN).text == "Sorry, you can't do that here."
    assert [e.outcome for e in world.h.audit("button.forged")] == ["refused"]
    assert gran_checkin_state(world) == "pending"
    assert "Recorded" not in prompt.text and prompt.labels()[0] == "✅ Done", "the prompt is untouched"


async def test_someone_elses_button_is_refused(world: TelegramWorld) -> None:
    await family_with_plan(world)
    await world.h.advance_to(world.h.now.replace(hour=15, minute=30), step=STEP)
    grans = world.fake.last_with_buttons(GRAN)
    # Sue presses a button carrying Gran's data (say, copied from a screenshot into a crafted client).
    await world.press(SUE, "Done", world.fake.last(SUE), data=grans.button("Done"))
    assert world.fake.last(SUE).text == "Sorry, you can't do that here."
    assert gran_checkin_state(world) == "pending"
    assert any(e.outcome == "refused" for e in world.h.audit())
    assert "Recorded" not in grans.text


async def test_duplicate_updates_are_processed_once(world: TelegramWorld) -> None:
    fid = world.h.make_family()
    code = world.h.invite(fid, "Gran")
    start = await world.say(GRAN, f"/start {code}")
    await world.deliver(start, again=True)
    assert sum("invited to join" in t for t in world.fake.texts(GRAN)) == 1
    press = await world.press(GRAN, "I agree")
    await world.deliver(press, again=True)
    assert sum("Thank you for joining" in t for t in world.fake.texts(GRAN)) == 1
    receipts = world.h.call(lambda ctx: ctx.s.scalar(select(func.count()).select_from(InboundReceipt)))
    assert receipts == 2
    if world.mode == "webhook":
        assert world.fake.webhook_responses == [200, 200, 200, 200]


async def test_429_for_one_chat_delays_that_chat_and_is_retried_after(polling: TelegramWorld) -> None:
    world = polling  # sending is the same however updates arrive: one mode is enough
    await family_with_plan(world)
    world.fake.fail("sendMessage", 429, "Too Many Requests: retry after 30", retry_after=30, chat_id=GRAN)
    await world.h.advance_to(world.h.now.replace(hour=15, minute=30), step=STEP)
    assert not any("Check-in" in t for t in world.fake.texts(GRAN)), "refused by the API, not delivered"
    row = next(r for r in world.h.outbox() if r.last_error and "Flood control" in r.last_error)
    assert row.state == OutboxState.PENDING
    assert row.next_attempt_at == world.h.now + timedelta(seconds=30)
    assert "telegram" not in world.h.app.dispatcher.paused_until, "one chat's 429: the others are not held up"
    world.h.clock.advance(timedelta(seconds=29))
    await world.h.app.dispatcher.dispatch_once()
    assert not any("Check-in" in t for t in world.fake.texts(GRAN)), "still within retry_after"
    world.h.clock.advance(timedelta(seconds=1))
    await world.h.app.dispatcher.dispatch_once()
    assert any("Check-in" in t for t in world.fake.texts(GRAN))


@pytest.mark.parametrize("status,description", [(500, "Internal Server Error"), (502, "Bad Gateway")])
async def test_server_errors_are_retried_with_backoff(polling: TelegramWorld, status: int, description: str) -> None:
    w = polling
    await family_with_plan(w)
    w.fake.fail("sendMessage", status, description, chat_id=GRAN, times=2)
    await w.h.advance_to(w.h.now.replace(hour=15, minute=30), step=STEP)
    row = next(r for r in w.h.outbox() if r.last_error and description in r.last_error)
    assert (row.state, row.attempts) == (OutboxState.PENDING, 1)
    assert row.next_attempt_at == w.h.now + timedelta(seconds=10)
    w.h.clock.advance(timedelta(seconds=10))
    await w.h.app.dispatcher.dispatch_once()
    assert not any("Check-in" in t for t in w.fake.texts(GRAN)), "the second attempt failed too"
    w.h.clock.advance(timedelta(seconds=20))
    await w.h.app.dispatcher.dispatch_once()
    assert any("Check-in" in t for t in w.fake.texts(GRAN))
    # A failing edit is retried the same way: the press is recorded at once, the edit follows.
    w.fake.fail("editMessageText", status, description)
    prompt = w.fake.last_with_buttons(GRAN)
    await w.press(GRAN, "Done", prompt)
    assert gran_checkin_state(w) == "done"
    assert "Recorded" not in prompt.text
    w.h.clock.advance(timedelta(seconds=10))
    await w.h.app.dispatcher.dispatch_once()
    assert "Recorded: Done" in prompt.text


async def test_member_who_blocked_the_bot(polling: TelegramWorld) -> None:
    w = polling
    await family_with_plan(w)
    w.fake.blocked.add(GRAN)
    await w.h.advance_to(w.h.now.replace(hour=15, minute=30), step=STEP)
    blocked_at = w.h.call(lambda ctx: ctx.s.scalar(select(ChatIdentity.blocked_at).where(
        ChatIdentity.platform == "telegram", ChatIdentity.external_id == str(GRAN))))
    assert blocked_at is not None
    assert any("We can no longer reach Gran" in t for t in w.h.texts("anna"))
    attempts = len([c for c in w.fake.called("sendMessage") if int(c["chat_id"]) == GRAN])
    await w.h.advance(timedelta(days=2), step=timedelta(hours=2))
    assert len([c for c in w.fake.called("sendMessage") if int(c["chat_id"]) == GRAN]) == attempts, \
        "no more sends to a chat that blocked the bot"
    assert sum("We can no longer reach Gran" in t for t in w.h.texts("anna")) >= 1


async def test_group_chats_get_only_the_private_chat_notice(world: TelegramWorld) -> None:
    w = world
    fid = w.h.make_family()
    code = w.h.invite(fid, "Gran")
    w.h.invite(fid, "Sue")
    await w.deliver(w.fake.added_to_group(GRAN, GROUP))
    await w.say(GRAN, f"/start {code}", chat_id=GROUP)
    await w.say(GRAN, "done", chat_id=GROUP)  # ordinary group talk: no answer
    await w.say(GRAN, "/mine@someotherbot", chat_id=GROUP)  # another bot's command: no answer
    await w.say(GRAN, "/help@familyteam_test_bot", chat_id=GROUP)
    private_only = "I only work in private chats. Please message me directly."
    assert w.fake.texts(GROUP) == [private_only] * 3
    # The code was not spent in the group: it still works in private.
    await w.say(GRAN, f"/start {code}")
    await w.press(GRAN, "I agree")
    w.h.apply(fid, PLAN)
    await w.h.advance_to(w.h.now.replace(hour=20, minute=5), step=STEP)
    assert any("Collect the children" in t for t in w.fake.texts(GRAN))
    assert w.fake.texts(GROUP) == [private_only] * 3, "no family content ever goes to the group"
    # A button in a group (never sent there by us) is refused with the same notice, nothing recorded.
    prompt = w.fake.last_with_buttons(GRAN)
    before = gran_checkin_state(w)
    await w.press(GRAN, "Done", Sent(GROUP, 999, "x", []), data=prompt.button("Done"))
    assert w.fake.texts(GROUP) == [private_only] * 4
    assert gran_checkin_state(w) == before == "missed"


async def test_webhook_refuses_requests_without_the_secret(webhook: TelegramWorld) -> None:
    w = webhook
    update = w.fake.message(GRAN, "/start")
    body = json.dumps(update)
    async with aiohttp.ClientSession() as session:
        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"},
                        {"X-Telegram-Bot-Api-Secret-Token": "hook-Secret_1x"}):
            async with session.post(w.webhook_url, data=body,
                                    headers={"Content-Type": "application/json", **headers}) as resp:
                assert resp.status == 403
        async with session.post(w.webhook_url, data="{not json",
                                headers={"X-Telegram-Bot-Api-Secret-Token": "hook-Secret_1"}) as resp:
            assert resp.status == 200, "dropped, so Telegram does not deliver it forever; and no effect:"
    await w.h.app.dispatcher.dispatch_once()
    assert w.fake.texts(GRAN) == []
    assert w.h.call(lambda ctx: ctx.s.scalar(select(func.count()).select_from(InboundReceipt))) == 0
    assert w.h.call(lambda ctx: ctx.s.scalar(select(func.count()).select_from(ChatIdentity).where(
        ChatIdentity.platform == "telegram"))) == 0
    # The same update with the right secret (as Telegram sends it) is handled.
    assert await w.deliver(update) == 200
    assert "invite from their caseworker" in w.fake.last(GRAN).text


async def test_startup_sets_commands_and_mode(world: TelegramWorld) -> None:
    calls = world.fake.called("setMyCommands")
    assert sorted(str(c.get("language_code")) for c in calls) == ["None", "en", "es", "pl"]
    for c in calls:
        assert [cmd["command"] for cmd in c["commands"]] == ["mine", "next", "language", "pause", "stop", "help"]
        assert all(cmd["description"] for cmd in c["commands"])
    polish = next(c for c in calls if c.get("language_code") == "pl")
    assert {cmd["command"]: cmd["description"] for cmd in polish["commands"]}["mine"] == \
        "moje zobowiązania i dzisiejsze pytania kontrolne"
    if world.mode == "webhook":
        hook = world.fake.webhook
        assert hook is not None and hook["url"] == world.webhook_url and hook["secret_token"] == "hook-Secret_1"
        assert set(hook["allowed_updates"]) == {"message", "edited_message", "callback_query", "my_chat_member"}
        assert world.fake.called("getUpdates") == []
    else:
        assert world.fake.called("deleteWebhook") and world.fake.webhook is None
    assert TOKEN not in json.dumps([c.params for c in world.fake.calls])
