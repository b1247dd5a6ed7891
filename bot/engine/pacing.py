"""Keeping to a platform's sending limits (bot.ports.SendLimits), platform-neutral: a token bucket for the
budget all chats share, handed out in priority order, and a watch on "too many requests" answers that tells
one chat's 429 from the platform's.

Time here is the process's monotonic time (injectable, so tests move it by hand and never wait); the spacing
of one chat's messages is the dispatcher's, on its clock, through each row's next attempt time."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections import deque
from collections.abc import Awaitable, Callable

from bot.ports import SendLimits

GLOBAL_429_CHATS = 3  # this many chats told "slow down" within GLOBAL_429_WINDOW: the platform's own limit
GLOBAL_429_WINDOW = 1.0


class Gate:
    """A token bucket (GCRA: `burst` at once, then one every 1/per_second seconds) whose tokens go to the most
    urgent waiter first (lower priority number), then first come first served. A token is given at the
    moment it is due, to whoever is most urgent then: an urgent message that starts waiting after a hundred
    routine ones gets the next token."""

    def __init__(self, limits: SendLimits, monotonic: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[object]] = asyncio.sleep) -> None:
        self.interval = 1.0 / limits.per_second if limits.per_second > 0 else 0.0
        self.allowance = (max(1, limits.burst) - 1) * self.interval
        self.monotonic, self.sleep = monotonic, sleep
        self._tat = 0.0  # theoretical arrival time of the next token
        self._waiters: list[tuple[int, int]] = []
        self._seq = itertools.count()
        self._woken: dict[int, asyncio.Event] = {}

    async def acquire(self, priority: int) -> None:
        if self.interval <= 0:
            return
        me = (priority, next(self._seq))
        woken = self._woken[me[1]] = asyncio.Event()
        heapq.heappush(self._waiters, me)
        try:
            while True:
                now = self.monotonic()
                ready = max(self._tat - self.allowance, now)
                if self._waiters[0] != me:
                    woken.clear()
                    await woken.wait()  # until those ahead have theirs
                elif ready > now:
                    await self.sleep(ready - now)  # then look again: someone more urgent may have come
                else:
                    self._tat = max(self._tat, now) + self.interval
                    return
        finally:
            self._waiters.remove(me)
            heapq.heapify(self._waiters)
            del self._woken[me[1]]
            if self._waiters:
                self._woken[self._waiters[0][1]].set()  # the next in line looks again


class RateWatch:
    """Remembers recent 429s per platform: one chat's 429 delays that chat; several chats' 429s within a second
    mean the platform's overall limit (Telegram's answer does not say which it was), so everything waits."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.monotonic = monotonic
        self._recent: dict[str, deque[tuple[float, str]]] = {}

    def is_global(self, platform: str, chat: str) -> bool:
        now = self.monotonic()
        recent = self._recent.setdefault(platform, deque())
        recent.append((now, chat))
        while recent and recent[0][0] < now - GLOBAL_429_WINDOW:
            recent.popleft()
        return len({c for _, c in recent}) >= GLOBAL_429_CHATS
