"""Long polling with an update python-telegram-bot cannot read in the batch: the loop goes on (the updates
before and after it are handled, the bad one is confirmed and never fetched again), it is recorded redacted
and counted. Without handlers/telegram/reading.py PTB fails the whole batch, logs it raw (texts and names)
and fetches it again for ever."""

from __future__ import annotations

import logging

import pytest

from bot.metrics import UNREADABLE, count
from tests.support.telegram_world import TelegramWorld

GRAN = 1001


async def test_polling_goes_on_past_an_unreadable_update(sqlite_url: str, caplog: pytest.LogCaptureFixture) -> None:
    async with TelegramWorld(sqlite_url, "polling") as w:
        before = count(UNREADABLE, platform="telegram")
        first, bad, after = (w.fake.message(GRAN, "/help", name="Gran"), w.fake.shaped("unparseable_old_voice", GRAN),
                             w.fake.message(GRAN, "/start", name="Gran"))
        with caplog.at_level(logging.DEBUG):
            for update in (first, bad, after):
                await w.fake.deliver(update)
            for update in (first, bad, after):
                await w.processed.wait(update["update_id"])
            await w.fake.wait_confirmed(after["update_id"])
            await w.h.app.dispatcher.dispatch_once()
        assert len(w.fake.texts(GRAN)) == 2, "the updates around the unreadable one were answered"
        assert count(UNREADABLE, platform="telegram") == before + 1
        assert w.processed.ids.count(bad["update_id"]) == 1, "fetched once, confirmed, never again"
        # Ours, and anything at WARNING or above (PTB's own DEBUG lines echo every call, as they always do).
        lines = [r.getMessage() for r in caplog.records if r.name.split(".")[0] in ("bot", "handlers")
                 or r.levelno >= logging.WARNING]
        logged = f"inbound_unreadable platform=telegram update_id={bad['update_id']} reason=TypeError"
        assert any(line.startswith(logged) for line in lines)
        assert not any("Gran" in line or "Example" in line for line in lines), "no names in the logs"
        assert not any(r.levelno >= logging.CRITICAL for r in caplog.records), "PTB never failed the batch"
