"""The two-way relay end to end through the real code paths: a member's free text on Telegram (the real
TelegramAdapter polling a fake Bot API) appears in the caseworker's Slack DM thread (the real Bolt app
posting to a fake Web API); the caseworker's reply in that thread (a signed Slack `message` event) arrives
in the member's Telegram chat marked as from their caseworker; both are in the family's export."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.ports import UNLIMITED
from bot.services.records import export
from bot.web import start_web
from handlers.slack.adapter import SlackAdapter
from tests.support.fake_slack import BOT_TOKEN, SIGNING_SECRET, FakeSlack, SlackEnv
from tests.support.telegram_world import TelegramWorld

GRAN, CASE = 1001, "U0CASE"
ALL_DAY = {"work_start": "00:00", "work_end": "23:59", "work_days": "MO-SU"}


@pytest.fixture
async def both(sqlite_url: str) -> AsyncIterator[tuple[TelegramWorld, SlackEnv]]:
    fake = await FakeSlack().start()
    async with TelegramWorld(sqlite_url, "polling", SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET,
                             SLACK_API_URL=fake.url, FAMILYTEAM_HTTP_PORT=0) as w:
        adapter = SlackAdapter(w.h.app.settings, sink=w.h.app.handle, staff=w.h.app.staff,
                               process_before_response=True, limits=UNLIMITED)
        w.h.app.add_transport(adapter)
        runner = await start_web(w.h.app.db, [adapter], w.h.app.transports.keys, "127.0.0.1", 0)
        await adapter.start()
        host, port = runner.addresses[0][:2]
        env = SlackEnv(w.h, fake, adapter, runner, f"http://{host}:{port}/slack/events")
        try:
            yield w, env
        finally:
            await adapter.stop()
            await runner.cleanup()
            await fake.close()


async def test_member_text_reaches_the_slack_thread_and_a_thread_reply_reaches_telegram(
        both: tuple[TelegramWorld, SlackEnv]) -> None:
    w, env = both
    fid = w.h.make_family(caseworker=f"slack:{CASE}", caseworker_name="Anna Brook", **ALL_DAY)
    await w.join(fid, "Gran", GRAN, "key_safety_person")
    await w.say(GRAN, "The kids loved the park today, thank you", name="Gran")
    assert "has been passed on to your caseworker" in w.fake.last(GRAN).text
    [root] = [m for m in env.fake.dms(CASE) if "Gran wrote" in m.text]
    assert "The kids loved the park today" in root.text and root.thread_ts is None

    w.h.clock.set(w.h.now + timedelta(minutes=5))
    await w.say(GRAN, "Can you call me about Friday?", name="Gran")
    second = env.fake.dms(CASE)[-1]
    assert "Can you call me about Friday?" in second.text and second.thread_ts == root.ts, "in the same thread"

    status, _ = await env.event({"type": "message", "channel": root.channel, "channel_type": "im", "user": CASE,
                                 "text": "Yes, I will ring you at 4", "ts": "1700000999.000001",
                                 "thread_ts": root.ts})
    assert status == 200
    await w.h.app.dispatcher.dispatch_once()
    got = w.fake.last(GRAN).text
    assert got.startswith("Message from your caseworker:\nYes, I will ring you at 4"), got
    assert env.fake.dms(CASE)[-1].thread_ts == root.ts and "Sent to Gran" in env.fake.dms(CASE)[-1].text

    status, _ = await env.event({"type": "message", "channel": root.channel, "channel_type": "im", "user": "U0NOBODY",
                                 "text": "hello Gran", "ts": "1700000999.000002", "thread_ts": root.ts})
    assert status == 200 and "hello Gran" not in w.fake.last(GRAN).text, "only staff of the family reply"

    status, body = await env.command(CASE, "reply Rowan: See you on Friday")
    assert status == 200 and "Sent to Gran" in body
    await w.h.app.dispatcher.dispatch_once()
    assert "See you on Friday" in w.fake.last(GRAN).text

    record = w.h.call(lambda ctx: export(ctx, fid))["conversation"]
    assert [(m["direction"], m["text"]) for m in record] == [
        ("from_member", "The kids loved the park today, thank you"), ("from_member", "Can you call me about Friday?"),
        ("to_member", "Yes, I will ring you at 4"), ("to_member", "See you on Friday")]
