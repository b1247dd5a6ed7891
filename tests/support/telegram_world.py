"""The real app (the scenario kit's World) plus the real TelegramAdapter talking HTTP to a FakeTelegram on
loopback, in polling or webhook mode."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from tests.support.fake_telegram import TOKEN, WAIT, FakeTelegram, Sent


class Processed:
    """Tracks which updates the adapter has finished handling (polling runs them in the background)."""

    def __init__(self, adapter: Any) -> None:
        self.ids: list[int] = []
        self._cond = asyncio.Condition()
        inner = adapter.handle_update

        async def handle_update(update: Any) -> None:
            try:
                await inner(update)
            finally:
                async with self._cond:
                    self.ids.append(update.update_id)
                    self._cond.notify_all()

        adapter.handle_update = handle_update

    async def wait(self, update_id: int, times: int = 1, timeout: float = WAIT) -> None:
        async with self._cond:
            await asyncio.wait_for(self._cond.wait_for(lambda: self.ids.count(update_id) >= times), timeout)


class TelegramWorld:
    """The real app (tests.support.harness.Harness: real database, manual clock, console transport for staff)
    plus the real TelegramAdapter talking HTTP to a FakeTelegram, in polling or webhook mode."""

    def __init__(self, db_url: str, mode: str = "polling", **settings: Any) -> None:
        self.db_url, self.mode, self.extra = db_url, mode, settings
        self.fake = FakeTelegram()
        self._runner: web.AppRunner | None = None
        self.webhook_url = ""

    async def __aenter__(self) -> TelegramWorld:
        import socket

        from bot.ports import UNLIMITED
        from bot.web import build_web
        from handlers.telegram.adapter import TelegramAdapter
        from handlers.telegram.pacing import ChatPacer
        from tests.support.harness import Harness

        await self.fake.start()
        settings: dict[str, Any] = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": self.fake.url}
        sock = None
        if self.mode == "webhook":
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))  # held open, so the port is ours
            self.webhook_url = f"http://127.0.0.1:{sock.getsockname()[1]}/telegram/updates"
            settings.update({"TELEGRAM_WEBHOOK_URL": self.webhook_url, "TELEGRAM_WEBHOOK_SECRET": "hook-Secret_1"})
        settings.update(self.extra)
        self.h = Harness(self.db_url, **settings)
        self.adapter = TelegramAdapter(self.h.app.settings, sink=self.h.app.handle, pacer=ChatPacer(interval=0),
                                       poll_timeout=5, limits=UNLIMITED)
        self.h.app.add_transport(self.adapter)
        self.h.app.add_service(self.adapter)
        self.processed = Processed(self.adapter)
        if sock is not None:
            webapp = build_web(self.h.app.db, self.h.app.transports.keys)
            self.adapter.register_routes(webapp)
            self._runner = web.AppRunner(webapp)
            await self._runner.setup()
            await web.SockSite(self._runner, sock).start()
        await self.adapter.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.adapter.stop()
        if self._runner is not None:
            await self._runner.cleanup()
        await self.fake.stop()
        task = self.h.app._kicked
        if task is not None and not task.done():
            await asyncio.wait_for(task, WAIT)
        self.h.close()

    # --- people talking, and waiting until the bot has handled it and delivered its replies ---------

    async def deliver(self, update: dict[str, Any], *, again: bool = False) -> int | None:
        status = await self.fake.deliver(update, again=again)
        if self.mode == "polling":
            await self.processed.wait(update["update_id"], times=2 if again else 1)
        await self.h.app.dispatcher.dispatch_once()
        return status

    async def say(self, user_id: int, text: str, **kw: Any) -> dict[str, Any]:
        update = self.fake.message(user_id, text, **kw)
        await self.deliver(update)
        return update

    async def press(self, user_id: int, label: str, sent: Sent | None = None, *, data: str | None = None,
                    **kw: Any) -> dict[str, Any]:
        sent = sent or self.fake.last_with_buttons(user_id)
        update = self.fake.press(user_id, sent, data if data is not None else sent.button(label), **kw)
        await self.deliver(update)
        return update

    async def join(self, family_id: int, name: str, user_id: int, role: str = "supporter") -> None:
        code = self.h.invite(family_id, name, role)
        await self.say(user_id, f"/start {code}", name=name)
        await self.press(user_id, "I agree", name=name)

    async def post_raw(self, body: bytes, secret: bytes | None = b"hook-Secret_1") -> int:
        """POST bytes to the webhook as they are, header included (an HTTP client would refuse or re-encode a
        header that is not ASCII): the HTTP status the bot answers."""
        from urllib.parse import urlsplit

        url = urlsplit(self.webhook_url)
        assert url.hostname and url.port, "webhook mode only"
        head = (f"POST {url.path} HTTP/1.1\r\nHost: {url.hostname}:{url.port}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n").encode()
        if secret is not None:
            head += b"X-Telegram-Bot-Api-Secret-Token: " + secret + b"\r\n"
        reader, writer = await asyncio.open_connection(url.hostname, url.port)
        try:
            writer.write(head + b"\r\n" + body)
            await writer.drain()
            status_line = await asyncio.wait_for(reader.readline(), WAIT)
        finally:
            writer.close()
        return int(status_line.split()[1])
