"""The webhook's edges over real HTTP: secrets that are not ASCII, bodies that are not updates, and time
zones that are not zones. Never a 5xx (Telegram would deliver the same update again and again), never an
effect, and the log names the update by id only."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from bot.metrics import UNREADABLE, count
from storage.models import ChatIdentity, InboundReceipt, Person
from tests.support.telegram_world import TelegramWorld

GRAN = 1001
SECRET = b"hook-Secret_1"
SECRET_WORDS = "my secret worry words"


@pytest.fixture
async def webhook(sqlite_url: str) -> AsyncIterator[TelegramWorld]:
    async with TelegramWorld(sqlite_url, "webhook") as w:
        yield w


def receipts(w: TelegramWorld) -> int:
    return w.h.call(lambda ctx: ctx.s.scalar(select(func.count()).select_from(InboundReceipt))) or 0


def telegram_identities(w: TelegramWorld) -> int:
    return w.h.call(lambda ctx: ctx.s.scalar(select(func.count()).select_from(ChatIdentity).where(
        ChatIdentity.platform == "telegram"))) or 0


async def test_a_secret_header_that_is_not_ascii_is_refused_not_an_error(webhook: TelegramWorld) -> None:
    w = webhook
    body = json.dumps(w.fake.message(GRAN, "/start")).encode()
    for secret in (b"hook-Secret_\x80", b"\xff\xfe", "hook-Secret_1é".encode(), b"hook-Secret_1\x80",
                   "hoök-Secret_1".encode("latin-1"), b"", b" hook-Secret_1x"):
        assert await w.post_raw(body, secret) == 403, secret
    assert await w.post_raw(body, None) == 403
    await w.h.app.dispatcher.dispatch_once()
    assert w.fake.texts(GRAN) == [] and receipts(w) == 0 and telegram_identities(w) == 0
    assert await w.post_raw(body, SECRET) == 200  # the same body with the right secret is handled
    await w.h.app.dispatcher.dispatch_once()
    assert "invite from their caseworker" in w.fake.last(GRAN).text


async def test_bodies_that_are_not_updates_are_answered_200_and_dropped(
        webhook: TelegramWorld, caplog: pytest.LogCaptureFixture) -> None:
    w = webhook
    no_is_bot = w.fake.message(GRAN, SECRET_WORDS)
    del no_is_bot["message"]["from"]["is_bot"]
    text_not_text = w.fake.message(GRAN, "x")
    text_not_text["message"]["text"] = {"words": SECRET_WORDS}
    bad_date = w.fake.message(GRAN, SECRET_WORDS)
    bad_date["message"]["date"] = SECRET_WORDS
    bodies = [b"{not json", b"\xff\xfe\x00", b"", b"[]", b"null", b'"update"', b'{"update_id": "7"}',
              b'{"update_id": true}', b'{"message": {}}',
              json.dumps({"update_id": 8, "message": SECRET_WORDS}).encode(),
              json.dumps({"update_id": 9, "callback_query": {"id": "1"}}).encode(),
              json.dumps(no_is_bot).encode(), json.dumps(text_not_text).encode(), json.dumps(bad_date).encode()]
    before = count(UNREADABLE, platform="telegram")
    with caplog.at_level(logging.DEBUG):
        for body in bodies:
            assert await w.post_raw(body) == 200, body
    await w.h.app.dispatcher.dispatch_once()
    assert w.fake.texts(GRAN) == [] and w.fake.called("sendMessage") == []
    assert receipts(w) == 0 and telegram_identities(w) == 0
    assert w.h.call(lambda ctx: ctx.s.scalar(select(func.count()).select_from(Person))) == 0
    assert count(UNREADABLE, platform="telegram") == before + len(bodies), "each one counted"
    dropped = [r.getMessage() for r in caplog.records if r.getMessage().startswith("inbound_unreadable ")]
    assert len(dropped) == len(bodies)
    for update_id in (8, 9, no_is_bot["update_id"], text_not_text["update_id"], bad_date["update_id"]):
        assert any(f"update_id={update_id} " in line for line in dropped), update_id
    assert any("keys=message,update_id" in line and '"first_name":"str"' in line for line in dropped), "its shape"
    assert not any(SECRET_WORDS in r.getMessage() or "Test" in r.getMessage() for r in caplog.records)
    # A good update after all that is handled as ever.
    assert await w.deliver(w.fake.message(GRAN, "/start")) == 200
    assert "invite from their caseworker" in w.fake.last(GRAN).text


async def test_timezone_that_is_a_directory_gets_the_help_through_the_webhook(webhook: TelegramWorld) -> None:
    w = webhook
    fid = w.h.make_family()
    await w.join(fid, "Gran", GRAN, "key_safety_person")
    for zone in ("America", "../etc", "", "Europe/" + "x" * 300, "Amérique/Paris", "America/"):
        assert await w.deliver(w.fake.message(GRAN, f"/timezone {zone}".strip())) == 200, zone
        assert w.fake.last(GRAN).text == "To set your time zone, send for example: /timezone Europe/Madrid"
    assert await w.deliver(w.fake.message(GRAN, "/timezone Europe/Madrid")) == 200
    assert "Europe/Madrid" in w.fake.last(GRAN).text
    assert set(w.fake.webhook_responses) == {200}
