"""The adapter's own rules: error mapping, edits, long texts, replies in threads, pacing per chat,
turning updates into Inbound events."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from telegram import Bot, Update
from telegram.error import BadRequest, ChatMigrated, Forbidden, InvalidToken, NetworkError, RetryAfter, TimedOut

from bot.ports import DeliveryError
from handlers.telegram.adapter import delivery_error
from handlers.telegram.inbound import Ignored, to_inbound
from handlers.telegram.pacing import ChatPacer
from handlers.telegram.render import MAX_TEXT, clip, split_text
from messages.outbound import Button, OutboundMessage
from tests.support.fake_telegram import BOT_USERNAME, TOKEN, FakeTelegram
from tests.support.telegram_world import TelegramWorld

CHAT = 1001


@pytest.fixture
async def w(sqlite_url: str) -> AsyncIterator[TelegramWorld]:
    async with TelegramWorld(sqlite_url, "polling") as world:
        yield world


@pytest.mark.parametrize("exc,kind,after", [
    (RetryAfter(7), "retry", 7.0),
    (RetryAfter(timedelta(seconds=3)), "retry", 3.0),
    (Forbidden("Forbidden: bot was blocked by the user"), "blocked", None),
    (BadRequest("Bad Request: chat not found"), "permanent", None),
    (ChatMigrated(-1002), "permanent", None),
    (NetworkError("Bad Gateway"), "retry", None),
    (TimedOut(), "unknown", None),  # the request may have left: Telegram may have sent it
    (InvalidToken("Unauthorized"), "retry", None),
])
def test_errors_map_to_delivery_kinds(exc: Exception, kind: str, after: float | None) -> None:
    err = delivery_error(exc)  # type: ignore[arg-type]
    assert (err.kind, err.retry_after) == (kind, after)


async def test_edit_rules(w: TelegramWorld) -> None:
    tg = w.adapter
    sent = await tg.send(str(CHAT), OutboundMessage("Question?", [[Button("Yes", "d1")]]))
    assert sent.ref.split(":")[0] == str(CHAT)
    # An edit that changes nothing is a success ("message is not modified").
    assert (await tg.edit(str(CHAT), sent.ref, OutboundMessage("Question?", [[Button("Yes", "d1")]]))).ref == sent.ref
    # The normal edit: new text, and no buttons means the keyboard is removed.
    await tg.edit(str(CHAT), sent.ref, OutboundMessage("Answered."))
    assert w.fake.last(CHAT).text == "Answered." and w.fake.last(CHAT).buttons == []
    # A message the member deleted: said again as a new message.
    gone = await tg.edit(str(CHAT), f"{CHAT}:999999", OutboundMessage("Recorded."))
    assert gone.ref != f"{CHAT}:999999" and w.fake.last(CHAT).text == "Recorded."
    # A ref from another chat is never edited.
    with pytest.raises(DeliveryError) as info:
        await tg.edit("2002", sent.ref, OutboundMessage("x"))
    assert info.value.kind == "permanent"
    # Other Bad Requests are permanent.
    w.fake.fail("editMessageText", 400, "Bad Request: MESSAGE_TOO_LONG")
    with pytest.raises(DeliveryError) as info:
        await tg.edit(str(CHAT), sent.ref, OutboundMessage("y"))
    assert info.value.kind == "permanent"
    assert w.fake.called("sendMessage")[0].get("parse_mode") is None, "plain text: no markup injection"


async def test_long_text_threads_and_discreet(w: TelegramWorld) -> None:
    tg = w.adapter
    long = "\n".join(f"line {i} " + "x" * 90 for i in range(60))
    assert len(long) > MAX_TEXT
    ref = (await tg.send(str(CHAT), OutboundMessage(long, [[Button("OK", "ok")]]))).ref
    parts = w.fake.chat(CHAT)
    assert len(parts) == 2 and "\n".join(p.text for p in parts) == long
    assert parts[0].buttons == [] and parts[1].labels() == ["OK"]
    assert ref == f"{CHAT}:{parts[1].message_id}"
    await tg.send(str(CHAT), OutboundMessage("under it"), thread_ref=ref)
    assert w.fake.last(CHAT).reply_to == parts[1].message_id
    await tg.send(str(CHAT), OutboundMessage("Details of the plan", discreet=True, discreet_text="Something new.",
                                             reveal="sh.1", reveal_label="Show"))
    assert (w.fake.last(CHAT).text, w.fake.last(CHAT).labels()) == ("Something new.", ["Show"])


def test_split_and_clip() -> None:
    assert split_text("short") == ["short"]
    assert [len(c) for c in split_text("a" * 5000)] == [4096, 904]
    assert clip("a" * 5000).endswith("…") and len(clip("a" * 5000)) == MAX_TEXT
    assert split_text("") == ["…"]


async def test_pacer_spaces_one_chat_after_a_burst() -> None:
    now = [100.0]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    pacer = ChatPacer(interval=1.0, burst=3, monotonic=lambda: now[0], sleep=sleep)
    for _ in range(5):
        await pacer.wait("a")
    assert slept == [1.0, 1.0], "three at once, then one a second"
    await pacer.wait("b")
    assert slept == [1.0, 1.0], "another chat is not held up"
    now[0] += 10
    for _ in range(3):
        await pacer.wait("a")
    assert slept == [1.0, 1.0], "the burst is back after a quiet spell"
    off = ChatPacer(interval=0, monotonic=lambda: now[0], sleep=sleep)
    for _ in range(10):
        await off.wait("a")
    assert slept == [1.0, 1.0]


def test_updates_to_inbound() -> None:
    fake = FakeTelegram()
    bot = Bot(TOKEN)

    def convert(update: dict) -> object:
        return to_inbound(Update.de_json(update, bot), BOT_USERNAME)

    start = convert(fake.message(7, "/start ABC123", name="Gran", language="es"))
    assert (start.kind, start.command, start.args, start.external_id, start.private,  # type: ignore[attr-defined]
            start.language, start.display_name) == ("command", "start", "ABC123", "7", True, "es", "Gran")  # type: ignore[attr-defined]
    update = fake.message(7, "done")
    assert convert(update).event_id == str(update["update_id"])  # type: ignore[attr-defined]
    assert convert(fake.message(7, f"/help@{BOT_USERNAME}")).command == "help"  # type: ignore[attr-defined]
    assert convert(fake.message(7, "hi all", chat_id=-9)) == Ignored("group")
    group = convert(fake.message(7, f"hello @{BOT_USERNAME}", chat_id=-9))
    assert (group.external_id, group.private) == ("-9", False)  # type: ignore[attr-defined]
    service = fake.message(7, "x")
    del service["message"]["text"]
    assert convert(service) == Ignored("service"), "no text and no media: nothing was said"


async def test_familyteam_run_serves_telegram(sqlite_url: str) -> None:
    """What `familyteam run` does: bootstrap.build from settings, run_forever starts the adapter (long polling)
    and the shared HTTP server, a member's /start is answered, and shutdown is clean."""
    import asyncio

    from bot.bootstrap import build
    from handlers.telegram.adapter import TelegramAdapter
    from tests.support.harness import settings_for

    fake = FakeTelegram()
    await fake.start()
    app = build(settings_for(sqlite_url, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=fake.url,
                                 FAMILYTEAM_HTTP_PORT=0))
    assert sorted(app.transports) == ["telegram"]
    adapter = app.transports["telegram"]
    assert isinstance(adapter, TelegramAdapter)
    adapter.poll_timeout = 5
    stop = asyncio.Event()

    async def member_writes() -> None:
        await fake.deliver(fake.message(CHAT, "/start"))
        reply = await fake.wait_message(CHAT)
        assert "invite from their caseworker" in reply.text
        stop.set()

    try:
        await asyncio.wait_for(app.run_forever(stop, on_ready=member_writes), 20)
    finally:
        await fake.stop()
    assert not adapter.ptb.running


async def test_polling_update_is_retried_when_handling_fails() -> None:
    from telegram import Update

    from bot.settings import Settings
    from handlers.telegram.adapter import TelegramAdapter

    async def nowhere(_event: object) -> None:
        raise AssertionError("not reached")

    adapter = TelegramAdapter(Settings(TELEGRAM_BOT_TOKEN="123:test", FAMILYTEAM_SECRET="x"), sink=nowhere)
    adapter.retry_delays = (0, 0, 0)
    calls: list[int] = []

    async def flaky(update: Update) -> None:
        calls.append(update.update_id)
        if len(calls) < 3:
            raise ConnectionError("database is down")

    adapter.handle_update = flaky  # type: ignore[method-assign]
    await adapter._on_ptb_update(Update(update_id=41), None)
    assert calls == [41, 41, 41], "handled on the third try, not lost"

    calls.clear()

    async def always_down(update: Update) -> None:
        calls.append(update.update_id)
        raise ConnectionError("database is down")

    adapter.handle_update = always_down  # type: ignore[method-assign]
    with pytest.raises(ConnectionError):
        await adapter._on_ptb_update(Update(update_id=42), None)
    assert len(calls) == 4, "every retry, then the failure goes to PTB's error handler"
