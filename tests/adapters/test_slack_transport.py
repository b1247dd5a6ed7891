"""The Slack transport: Block Kit out, Slack's errors into the dispatcher's terms, rate limits honoured."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.ports import DeliveryError
from handlers.slack.blocks import message_blocks
from messages.outbound import Button, OutboundMessage
from storage.models import ChatIdentity
from tests.support.fake_slack import SlackEnv

CASE = "U0CASE"


@pytest.fixture
async def env(sqlite_url: str) -> AsyncIterator[SlackEnv]:
    e = await SlackEnv.start(sqlite_url)
    yield e
    await e.close()


def test_blocks_escape_and_keep_buttons() -> None:
    message = OutboundMessage("Hi <!channel> & co", [[Button("Done", "ci.1.done~sig", "primary"),
                                                       Button("Later", "x~y")]])
    text, blocks = message_blocks(message)
    assert text == "Hi &lt;!channel&gt; &amp; co"
    assert blocks[0]["text"]["text"] == "Hi &lt;!channel&gt; &amp; co"
    buttons = blocks[1]["elements"]
    assert [b["value"] for b in buttons] == ["ci.1.done~sig", "x~y"]
    assert buttons[0]["style"] == "primary" and "style" not in buttons[1]
    assert len({b["action_id"] for b in buttons}) == 2


def test_discreet_message_shows_only_the_neutral_line() -> None:
    message = OutboundMessage("Collect the children", discreet_text="You have a new check-in.", discreet=True,
                              reveal="sh.3~sig", title="Secret title", fields=[("a", "b")])
    text, blocks = message_blocks(message)
    assert text == "You have a new check-in." and "Secret" not in str(blocks)
    assert blocks[-1]["elements"][0]["value"] == "sh.3~sig"


async def test_slack_errors_map_to_delivery_errors(env: SlackEnv) -> None:
    slack, fake = env.adapter, env.fake
    fake.fail("chat.postMessage", "ratelimited", status=429, headers={"Retry-After": "7"})
    with pytest.raises(DeliveryError) as exc:
        await slack.send(CASE, OutboundMessage("hello"))
    assert exc.value.kind == "retry" and exc.value.retry_after == 7
    for error, kind in (("user_not_found", "blocked"), ("account_inactive", "blocked"),
                        ("channel_not_found", "blocked"), ("msg_too_long", "permanent"), ("fatal_error", "retry")):
        fake.fail("chat.postMessage", error)
        with pytest.raises(DeliveryError) as exc:
            await slack.send(CASE, OutboundMessage("hello"))
        assert exc.value.kind == kind, error
    fake.fail("chat.update", "message_not_found")
    with pytest.raises(DeliveryError) as exc:
        await slack.edit(CASE, "D0CASE:1.2", OutboundMessage("x"))
    assert exc.value.kind == "permanent"
    delivered = await slack.send(CASE, OutboundMessage("hello"))
    channel, ts = delivered.ref.split(":")
    assert channel == "D0CASE" and fake.messages[(channel, ts)].text == "hello"


async def test_dispatcher_honours_retry_after_and_blocked_users(env: SlackEnv) -> None:
    h, fake = env.h, env.fake
    h.make_family(caseworker=f"slack:{CASE}", caseworker_name="Anna", supervisor="slack:U0GONE")
    fid = h.make_family(alias="the Elm family", caseworker=f"slack:{CASE}", caseworker_name="Anna")
    fake.fail("chat.postMessage", "ratelimited", status=429, headers={"Retry-After": "30"})
    await h.join(fid, "Gran", "gran")  # Anna is told Gran joined: the first try is rate limited
    assert not any("has joined" in m.text for m in fake.dms(CASE))
    rows = [r for r in h.outbox() if r.kind == "member_joined"]
    assert rows[0].state == "pending" and rows[0].next_attempt_at == h.now + timedelta(seconds=30)
    await h.advance(timedelta(seconds=20), step=timedelta(seconds=10))
    assert not any("has joined" in m.text for m in fake.dms(CASE)), "waits as Slack asked"
    await h.advance(timedelta(seconds=20), step=timedelta(seconds=10))
    assert any("has joined" in m.text for m in fake.dms(CASE))

    # A user who left the workspace is marked blocked and not tried again.
    gone = await asyncio.to_thread(h.call, lambda ctx: ctx.s.scalar(
        select(ChatIdentity).where(ChatIdentity.external_id == "U0GONE")))
    assert gone is not None and gone.blocked_at is None
    fake.fail("chat.postMessage", "account_inactive")
    from bot.services import notify

    h.call(lambda ctx: notify.to_identity(ctx, ctx.s.get_one(ChatIdentity, gone.id),
                                          lambda tr: OutboundMessage("hi"), key="t1"))
    await h.app.dispatcher.dispatch_once()
    assert h.call(lambda ctx: ctx.s.get_one(ChatIdentity, gone.id).blocked_at) is not None


async def test_production_mode_acknowledges_first_and_works_after(sqlite_url: str) -> None:
    env = await SlackEnv.start(sqlite_url, process_before_response=False)
    try:
        env.h.make_family(caseworker=f"slack:{CASE}", caseworker_name="Anna")
        started = time.monotonic()
        status, body = await env.command(CASE, "new")
        assert status == 200 and body == ""
        opened = await env.fake.wait_for("views.open")
        assert opened[0]["view"]["callback_id"] == "ft_new"
        assert time.monotonic() - started < 3
    finally:
        await env.close()


def test_manifest_subscribes_only_to_handled_events_and_points_at_the_endpoint() -> None:
    """An event subscribed to but not handled gets 404, which makes Slack retry it."""
    from pathlib import Path

    from handlers.slack.adapter import EVENTS_PATH
    from handlers.slack.commands import COMMAND

    text = (Path(__file__).parents[2] / "deploy" / "slack-manifest.yaml").read_text()
    events = text.split("bot_events:", 1)[1].split("interactivity:", 1)[0]
    subscribed = {line.strip("- ").strip() for line in events.splitlines() if line.strip().startswith("-")}
    assert subscribed == {"app_home_opened", "message.im"}
    assert f"command: {COMMAND}" in text
    assert text.count("/slack/events") == 3 and EVENTS_PATH == "/slack/events"


def test_socket_mode_serves_no_http_route(sqlite_url: str) -> None:
    from aiohttp import web

    from handlers.slack.adapter import SlackAdapter
    from tests.support.harness import settings_for

    async def nowhere(*_args: object) -> Any:
        raise AssertionError("not called")

    adapter = SlackAdapter(settings_for(sqlite_url, SLACK_BOT_TOKEN="xoxb-x", SLACK_APP_TOKEN="xapp-x"),
                           sink=nowhere, staff=nowhere)
    webapp = web.Application()
    adapter.register_routes(webapp)
    assert adapter.socket_mode and not [r for r in webapp.router.routes()]
    with pytest.raises(ValueError, match="SLACK_SIGNING_SECRET"):
        SlackAdapter(settings_for(sqlite_url, SLACK_BOT_TOKEN="xoxb-x"), sink=nowhere, staff=nowhere)


def test_a_summary_without_fields_keeps_its_text_in_the_blocks() -> None:
    from datetime import UTC, datetime

    from handlers.slack.blocks import message_blocks
    from messages import render
    from messages.catalog import translator

    summary = render.daily_summary(translator("en"), [render.SummarySection(
        "the Rowan family", 3, [("Gran", "Collect the children", datetime(2026, 11, 30, 15, 30, tzinfo=UTC))],
        [], 1, [], None)], tz="Europe/London")
    _fallback, blocks = message_blocks(summary)
    shown = " ".join(str(b) for b in blocks)
    assert "Collect the children" in shown and "escalation still open" in shown


async def test_one_send_is_one_request_the_dispatcher_owns_retries() -> None:
    """slack-sdk would retry a dropped connection itself; FamilyTeam's one retry policy is the dispatcher's."""
    from bot.settings import Settings
    from handlers.slack.adapter import SlackAdapter

    connections = 0

    async def drop(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        writer.close()  # the server goes away mid-request

    server = await asyncio.start_server(drop, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]

    async def nowhere(*_a: Any, **_kw: Any) -> Any:
        raise AssertionError("not reached")

    settings = Settings(SLACK_BOT_TOKEN="xoxb-test", SLACK_SIGNING_SECRET="s", SLACK_API_URL=f"http://127.0.0.1:{port}/",
                        FAMILYTEAM_SECRET="x")
    adapter = SlackAdapter(settings, sink=nowhere, staff=nowhere)
    try:
        with pytest.raises(DeliveryError) as exc:
            await adapter.send(CASE, OutboundMessage("hello"))
    finally:
        server.close()
        await server.wait_closed()
    assert exc.value.kind == "retry"
    assert connections == 1, "no retry inside the Slack client"
