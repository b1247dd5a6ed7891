"""A send that times out after Telegram got it is an unknown outcome, never a plain "try again": the fake Bot
API takes the message, then answers after the client's (short) read timeout."""

from __future__ import annotations

from typing import Any

import pytest

from bot.ports import UNLIMITED, DeliveryError
from bot.testing import settings_for
from handlers.telegram.adapter import TelegramAdapter
from messages.outbound import OutboundMessage
from tests.support.fake_telegram import TOKEN, FakeTelegram

GRAN = 1001


async def test_a_send_answered_too_late_is_an_unknown_outcome_and_did_arrive(sqlite_url: str) -> None:
    async def nowhere(*_a: Any) -> None:
        raise AssertionError("not reached")

    fake = FakeTelegram()
    await fake.start()
    adapter = TelegramAdapter(settings_for(sqlite_url, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=fake.url),
                              sink=nowhere, limits=UNLIMITED, send_timeout=0.1)
    await adapter.bot.initialize()
    try:
        fake.stall("sendMessage", 0.3, chat_id=GRAN)
        with pytest.raises(DeliveryError) as exc:
            await adapter.send(str(GRAN), OutboundMessage("Check-in: did the school run happen?"))
        assert exc.value.kind == "unknown"
        assert fake.texts(GRAN) == ["Check-in: did the school run happen?"], "Telegram had it all along"
        delivery = await adapter.send(str(GRAN), OutboundMessage("next"))  # an answer in time: sent
        assert delivery.ref.startswith(f"{GRAN}:")
    finally:
        await adapter.bot.shutdown()
        await fake.stop()
