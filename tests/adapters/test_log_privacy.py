"""The log at DEBUG, as an operator would run it while chasing a problem, carries no names, no message texts,
no phone numbers or addresses, and no secrets: from our code or from python-telegram-bot, httpx, slack-bolt,
slack_sdk and aiohttp underneath. Each flow runs with the process's real logging set-up (bot.logs)."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import timedelta

import pytest

from bot.logs import configure_logging
from bot.settings import Settings
from tests.support.fake_slack import BOT_TOKEN, SIGNING_SECRET, SlackEnv
from tests.support.fake_telegram import TOKEN
from tests.support.harness import PLAN
from tests.support.telegram_world import TelegramWorld

BEATRICE = 1001
PLAN_FOR_BEATRICE = PLAN.replace('member = "Gran"', 'member = "Beatrice Okonkwo"')
PRIVATE_WORDS = ["Beatrice", "Okonkwo", "Acacia", "07700 900123", "drunk", "Kevin", "Collect the children",
                 "Call Mum", "Take the children to Gran"]


@pytest.fixture
def debug_log() -> Iterator[tuple[io.StringIO, list[logging.Handler]]]:
    """The root logger as configure_logging leaves it, restored afterwards (the test process goes on)."""
    root = logging.getLogger()
    saved = root.level, {name: logging.getLogger(name).level for name in logging.root.manager.loggerDict}
    stream = io.StringIO()
    installed: list[logging.Handler] = []
    yield stream, installed
    for handler in installed:
        root.removeHandler(handler)
    root.setLevel(saved[0])
    for name, level in saved[1].items():
        logging.getLogger(name).setLevel(level)


def start_logging(settings: Settings, debug_log: tuple[io.StringIO, list[logging.Handler]], fmt: str) -> None:
    stream, installed = debug_log
    installed.append(configure_logging(settings.model_copy(update={"log_level": "DEBUG", "log_format": fmt}),
                                       stream))


def assert_clean(log: str, secrets: list[str]) -> None:
    assert len(log.splitlines()) > 20, "the flow was logged at DEBUG (otherwise this test proves nothing)"
    for word in PRIVATE_WORDS + secrets:
        leaked = [line for line in log.splitlines() if word in line]
        assert not leaked, f"{word!r} reached the log: {leaked[0][:300]}"


async def test_telegram_flow_at_debug_logs_no_names_texts_or_secrets(
        sqlite_url: str, debug_log: tuple[io.StringIO, list[logging.Handler]]) -> None:
    async with TelegramWorld(sqlite_url, "webhook") as w:
        start_logging(w.h.app.settings, debug_log, "json")
        h, fake = w.h, w.fake
        fid = h.make_family()
        await w.join(fid, "Beatrice Okonkwo", BEATRICE, "key_safety_person")
        await w.join(fid, "Sue", 1002, "key_safety_person")
        h.apply(fid, PLAN_FOR_BEATRICE)
        await h.tick()
        await h.advance_to(h.now.replace(hour=15, minute=30))
        await w.press(BEATRICE, "Done", fake.last_with_buttons(BEATRICE))
        await w.say(BEATRICE, "worried: Kevin is drunk at 12 Acacia Road, ring me on 07700 900123")
        await h.advance(timedelta(minutes=5))
        assert any("needs attention" in t or "Worry" in t for t in h.texts("anna") + h.texts("duty")), \
            "the worry reached staff"
    log = debug_log[0].getvalue()
    assert_clean(log, [TOKEN, "hook-Secret_1", "test-secret"])
    assert all(json.loads(line)["level"] for line in log.splitlines()), "one JSON object per line"


async def test_slack_flow_at_debug_logs_no_names_texts_or_secrets(
        sqlite_url: str, debug_log: tuple[io.StringIO, list[logging.Handler]]) -> None:
    env = await SlackEnv.start(sqlite_url)
    try:
        start_logging(env.h.app.settings, debug_log, "plain")
        h = env.h
        fid = h.make_family(caseworker="slack:U0CASE", caseworker_name="Anna", supervisor="slack:U0SUP",
                            work_start="00:00", work_end="23:59", work_days="MO-SU")
        await h.join(fid, "Beatrice Okonkwo", "gran", "key_safety_person")
        await h.join(fid, "Sue", "sue", "key_safety_person")
        h.apply(fid, PLAN_FOR_BEATRICE)
        await h.advance_to(h.now.replace(hour=20, minute=5))
        assert env.fake.dms("U0CASE"), "the alert went to the caseworker in Slack"
        await env.press("U0CASE", env.button_value("U0CASE", "Acknowledge"))
        assert h.escalations()[0].state == "acknowledged"
    finally:
        await env.close()
    assert_clean(debug_log[0].getvalue(), [BOT_TOKEN, SIGNING_SECRET, "test-secret"])
