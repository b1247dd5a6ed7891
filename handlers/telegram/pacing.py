"""Telegram's per-chat limit: about one message a second in one chat. A short burst is fine; after it,
sends to that chat are spaced out. (The overall 30/s and the group limits are PTB's AIORateLimiter.)"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


class ChatPacer:
    """A generic cell-rate limiter per chat: `burst` messages at once, then one per `interval` seconds.
    interval=0 switches it off. The clock and sleep are injectable, so tests never wait."""

    def __init__(self, interval: float = 1.0, burst: int = 3, monotonic: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[object]] = asyncio.sleep) -> None:
        self.interval, self.burst = interval, max(1, burst)
        self.monotonic, self.sleep = monotonic, sleep
        self._tat: dict[str, float] = {}  # theoretical arrival time of the next message, per chat

    def delay(self, chat: str) -> float:
        """Reserve a slot for one message to `chat`; how long to wait before sending it."""
        if self.interval <= 0:
            return 0.0
        now = self.monotonic()
        if len(self._tat) > 2048:
            self._tat = {k: v for k, v in self._tat.items() if v > now}
        tat = max(self._tat.get(chat, now), now)
        wait = max(0.0, tat - now - (self.burst - 1) * self.interval)
        self._tat[chat] = tat + self.interval
        return wait

    async def wait(self, chat: str) -> None:
        wait = self.delay(chat)
        if wait > 0:
            await self.sleep(wait)
