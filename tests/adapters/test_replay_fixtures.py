"""Every recorded shape (tests/fixtures) replayed through the real routes of an app built by bot/bootstrap.py
from settings, as `familyteam run` builds it: Telegram's webhook (with the secret header) and Slack's
/slack/events (signed as Slack signs), both on the one HTTP server, talking to the loopback fakes.

Each must get HTTP 200 and its effect: the Inbound that reaches the conversation router (recorded), or,
for a shape with nothing to do, no receipt and the ignored/unreadable counter moving; an edited-in worry
on Telegram and on Slack (and a worried caption or file message) becomes an escalation; App Home is
published."""

from __future__ import annotations

import asyncio
import json
import socket
import time
import urllib.parse
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import func, select

from bot.bootstrap import build
from bot.clock import ManualClock
from bot.metrics import IGNORED, UNREADABLE, count
from bot.ports import UNLIMITED, Inbound
from bot.services.families import create_family
from bot.services.invites import create_invite
from bot.services.plans import apply_plan
from bot.testing import MONDAY, OPERATOR, settings_for
from bot.web import build_web
from handlers.telegram.pacing import ChatPacer
from storage.models import ChatIdentity, Checkin, Escalation, InboundReceipt
from tests.adapters.expected_shapes import SLACK, TELEGRAM, Seen, Skipped
from tests.adapters.expected_shapes import UNREADABLE as UNREADABLE_SHAPE
from tests.support import fixtures
from tests.support.fake_slack import BOT_TOKEN, SIGNING_SECRET, FakeSlack, sign
from tests.support.fake_telegram import TOKEN, WAIT, FakeTelegram
from tests.support.harness import PLAN

GRAN = 5550001  # on Telegram
SUE = "U0SUE"  # on Slack
ANNA = "U0ANNA"  # the caseworker, on Slack


async def until(condition: Callable[[], bool], what: str) -> None:
    """Until Slack's listener (run after the 200, as in production) has had its effect."""
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.01)


class Replay:
    def __init__(self, app: Any, fake_tg: FakeTelegram, fake_slack: FakeSlack, slack_url: str) -> None:
        self.app, self.tg, self.slack, self.slack_url = app, fake_tg, fake_slack, slack_url
        self.seen: list[Inbound] = []
        self._triggers = 0
        handle = app.router.handle

        async def recording(event: Inbound) -> None:
            try:
                await handle(event)
            finally:
                self.seen.append(event)  # once handled: waiting for it waits for its effect

        app.router.handle = recording  # the core's door: what reaches it is what the adapters read

    async def settle(self) -> None:
        """Deliver what the event queued (the app may already be delivering it: wait for that too)."""
        kicked = self.app._kicked
        if kicked is not None and not kicked.done():
            await asyncio.wait_for(kicked, WAIT)
        await self.app.dispatcher.dispatch_once()

    def scalar(self, query: Any) -> int:
        return int(self.app.call(lambda ctx: ctx.s.scalar(query)) or 0)

    def escalations(self) -> int:
        return self.scalar(select(func.count()).select_from(Escalation))

    def receipts(self) -> int:
        return self.scalar(select(func.count()).select_from(InboundReceipt))

    async def telegram(self, update: dict[str, Any]) -> int:
        status = await self.tg.deliver(update)  # POSTs to the webhook with the secret header set by setWebhook
        await self.settle()
        assert status is not None
        return status

    async def slack_post(self, body: str, content_type: str) -> int:
        ts = int(time.time())
        headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": str(ts),
                   "X-Slack-Signature": sign(body, ts, SIGNING_SECRET)}
        async with aiohttp.ClientSession() as session, session.post(self.slack_url, data=body.encode(),
                                                                    headers=headers) as resp:
            return resp.status

    def trigger(self) -> str:
        self._triggers += 1
        return f"{self._triggers}.trigger"

    async def slack_join(self, code: str) -> None:
        seen = len(self.seen)
        body = urllib.parse.urlencode({"team_id": "T0FAKE", "channel_id": "D0SUE", "user_id": SUE, "user_name": "sue",
                                       "command": "/familyteam", "text": f"join {code}", "trigger_id": self.trigger(),
                                       "response_url": "http://127.0.0.1:9/unused", "api_app_id": "A0APP"})
        assert await self.slack_post(body, "application/x-www-form-urlencoded") == 200
        await until(lambda: len(self.seen) > seen, "the join command")
        await self.settle()
        value = next(el["value"] for m in self.slack.called("chat.postMessage") if m["channel"] == SUE
                     for block in m.get("blocks") or [] for el in block.get("elements") or []
                     if el.get("type") == "button" and "I agree" in el["text"]["text"])
        payload = {"type": "block_actions", "team": {"id": "T0FAKE"}, "api_app_id": "A0APP",
                   "user": {"id": SUE, "name": "sue", "team_id": "T0FAKE"}, "trigger_id": self.trigger(),
                   "channel": {"id": "D0SUE"}, "container": {"type": "message", "channel_id": "D0SUE"},
                   "actions": [{"type": "button", "action_id": "ft_button_0_0", "block_id": "ft_row_0", "value": value,
                                "action_ts": f"{time.time():.6f}"}]}
        seen = len(self.seen)
        body = urllib.parse.urlencode({"payload": json.dumps(payload)})
        assert await self.slack_post(body, "application/x-www-form-urlencoded") == 200
        await until(lambda: len(self.seen) > seen, "the consent press")
        await self.settle()


@pytest.fixture
async def replay(sqlite_url: str) -> AsyncIterator[Replay]:
    tg, slack = FakeTelegram(), await FakeSlack().start()
    await tg.start()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))  # held open, so the port is ours
    port = sock.getsockname()[1]
    settings = settings_for(sqlite_url, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=tg.url,
                            TELEGRAM_WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram/updates",
                            TELEGRAM_WEBHOOK_SECRET="replay-Secret_1", SLACK_BOT_TOKEN=BOT_TOKEN,
                            SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=slack.url)
    app = build(settings, clock=ManualClock(MONDAY))  # the platforms from the settings, as `familyteam run`
    assert set(app.transports) == {"telegram", "slack"}
    app.transports["telegram"].pacer = ChatPacer(interval=0)  # no per-chat pacing: tests never wait
    app.transports["telegram"].limits = UNLIMITED  # the dispatcher's neither (the clock is moved by hand)
    app.transports["slack"].limits = UNLIMITED
    webapp = build_web(app.db, app.transports.keys)
    for service in app.services:
        service.register_routes(webapp)
    runner = web.AppRunner(webapp)
    await runner.setup()
    await web.SockSite(runner, sock).start()
    for service in app.services:
        await service.start()
    r = Replay(app, tg, slack, f"http://127.0.0.1:{port}/slack/events")
    try:
        yield r
    finally:
        for service in app.services:
            await service.stop()
        if app._kicked is not None and not app._kicked.done():
            await asyncio.wait_for(app._kicked, WAIT)
        await runner.cleanup()
        await tg.stop()
        await slack.close()
        app.db.dispose()


def _as_seen(event: Inbound) -> Seen:
    return Seen(str(event.kind), event.text, event.edited, event.forwarded_from,
                str(event.media) if event.media else None, event.private)


async def _network(r: Replay) -> None:
    """A family whose caseworker is on Slack, Gran on Telegram and Sue on Slack, both joined."""
    fid = r.app.call(lambda ctx: create_family(ctx, OPERATOR, alias="the Rowan family", timezone="Europe/London",
                                               caseworker=f"slack:{ANNA}", caseworker_name="Anna", work_start="00:00",
                                               work_end="23:59", work_days="MO-SU").id)
    gran = r.app.call(lambda ctx: create_invite(ctx, OPERATOR, fid, "Gran", "key_safety_person").code)
    assert await r.telegram(r.tg.message(GRAN, f"/start {gran}", name="Gran")) == 200
    assert await r.telegram(r.tg.press(GRAN, r.tg.last_with_buttons(GRAN), r.tg.last_with_buttons(GRAN).button(
        "I agree"), name="Gran")) == 200
    assert any("Thank you for joining" in t for t in r.tg.texts(GRAN))
    await r.slack_join(r.app.call(lambda ctx: create_invite(ctx, OPERATOR, fid, "Sue", "supporter").code))
    assert any("Thank you for joining" in str(m.get("text")) for m in r.slack.called("chat.postMessage"))


async def test_every_telegram_shape_through_the_webhook(replay: Replay) -> None:
    r = replay
    await _network(r)
    for name, expected in TELEGRAM.items():
        seen, receipts, escalations = len(r.seen), r.receipts(), r.escalations()
        unreadable = count(UNREADABLE, platform="telegram")
        ignored = count(IGNORED, platform="telegram", reason=getattr(expected, "reason", "-"))
        assert await r.telegram(r.tg.shaped(name, GRAN)) == 200, name
        if isinstance(expected, Seen):
            assert [_as_seen(e) for e in r.seen[seen:]] == [expected], name
            assert r.seen[-1].external_id == str(GRAN)
        else:
            assert r.seen[seen:] == [] and r.receipts() == receipts, f"{name}: no effect"
            counter = (count(UNREADABLE, platform="telegram") - unreadable if expected == UNREADABLE_SHAPE else
                       count(IGNORED, platform="telegram", reason=getattr(expected, "reason", "-")) - ignored)
            assert counter == 1, f"{name}: counted"
        if name in ("edited_message", "photo_caption"):
            assert r.escalations() == escalations + 1, f"{name}: an edited-in (or captioned) worry escalates"
    assert r.tg.webhook_responses and set(r.tg.webhook_responses) == {200}


async def test_every_slack_shape_through_the_events_route(replay: Replay) -> None:
    r = replay
    await _network(r)
    for name, expected in SLACK.items():
        seen, escalations, publishes = len(r.seen), r.escalations(), len(r.slack.called("views.publish"))
        reason = expected.reason if isinstance(expected, Skipped) else "-"
        ignored = count(IGNORED, platform="slack", reason=reason)
        body = json.dumps(fixtures.slack(name, SUE, "D0SUE", f"EvReplay{name}"))
        assert await r.slack_post(body, "application/json") == 200, name
        if isinstance(expected, Seen):
            await until(lambda n=seen: len(r.seen) > n, name)
            await r.settle()
            assert [_as_seen(e) for e in r.seen[seen:]] == [expected], name
            assert r.seen[-1].external_id == SUE
        elif isinstance(expected, Skipped):
            await until(lambda why=reason, n=ignored: count(IGNORED, platform="slack", reason=why) == n + 1,
                        f"{name} counted")
            assert r.seen[seen:] == [], name
        else:
            await until(lambda n=publishes: len(r.slack.called("views.publish")) > n, "App Home published")
        if name in ("message_changed", "file_share"):
            assert r.escalations() == escalations + 1, f"{name}: an edited-in (or shared) worry escalates"
    assert any(m["channel"] == ANNA for m in r.slack.called("chat.postMessage")), "the caseworker was alerted"


def _slack_texts_to(r: Replay, user: str) -> str:
    return "\n".join(str(m.get("text")) + json.dumps(m.get("blocks") or []) for m in r.slack.called("chat.postMessage")
                     if m["channel"] in (user, "D0" + user[2:]))  # the DM, by user id or by its channel id


async def test_forwards_media_and_blocking_take_their_effect_through_the_real_routes(replay: Replay) -> None:
    """Gran has a check-in open on Telegram. A forwarded "done" is someone else's words: no answer, relayed
    marked as forwarded; a forwarded worry still escalates; a voice note gets "please type" and Anna hears of
    it; blocking the bot makes Gran unreachable at once and Anna is told; unblocking says so too."""
    r = replay
    await _network(r)
    plan = PLAN.replace('member = "Sue"', 'member = "Gran"')
    r.app.call(lambda ctx: apply_plan(ctx, OPERATOR, 1, plan, reason="replay"))
    await r.app.tick()  # the check-ins are written ahead, at 08:00
    r.app.clock.set(MONDAY.replace(hour=15, minute=30) + timedelta(minutes=1))  # type: ignore[attr-defined]
    await r.app.tick()
    await r.settle()
    assert any(t.startswith("Check-in") and "Collect the children" in t for t in r.tg.texts(GRAN)), "asked"

    def gran_states() -> list[str]:
        return r.app.call(lambda ctx: sorted(c.state for c in ctx.s.scalars(select(Checkin).where(
            Checkin.due_at <= r.app.clock.now()))))

    before = gran_states()
    assert await r.telegram(r.tg.shaped("forward_user", GRAN)) == 200
    assert gran_states() == before == ["pending"], "a forwarded 'done' is not Gran's answer"
    assert "forwarded by Gran" in _slack_texts_to(r, ANNA), "relayed to the caseworker, marked as forwarded"

    escalations = r.escalations()
    assert await r.telegram(r.tg.shaped("forward_hidden_user", GRAN)) == 200
    assert r.escalations() == escalations + 1, "a forwarded worry still escalates"

    assert await r.telegram(r.tg.shaped("voice", GRAN)) == 200
    assert "please type" in r.tg.texts(GRAN)[-1].lower() or "type" in r.tg.texts(GRAN)[-1].lower()
    assert "voice note" in _slack_texts_to(r, ANNA)

    assert await r.telegram(r.tg.shaped("my_chat_member_kicked", GRAN)) == 200
    blocked = r.app.call(lambda ctx: ctx.s.scalar(select(ChatIdentity.blocked_at).where(
        ChatIdentity.platform == "telegram", ChatIdentity.external_id == str(GRAN))))
    assert blocked is not None, "unreachable at once"
    assert "has blocked the bot" in _slack_texts_to(r, ANNA)
    assert await r.telegram(r.tg.shaped("my_chat_member_member", GRAN)) == 200
    assert "has unblocked the bot" in _slack_texts_to(r, ANNA)
