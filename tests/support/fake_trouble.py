"""Trouble a fake platform API can make: its sending limits enforced strictly (`Limits`), and random faults
(`Faults`). Used by tests/support/fake_telegram.py and bench/outbound.py."""

from __future__ import annotations

import collections
import random
import time

__all__ = ["Faults", "Limits"]


class Limits:
    """Telegram's sending limits, enforced as a strict reading of them: at most `per_second` messages in any
    one-second window overall, and one a second in one chat; beyond them, 429 with retry_after=1 (counted)."""

    def __init__(self, per_second: int = 30, chat_interval: float = 1.0) -> None:
        self.per_second, self.chat_interval = per_second, chat_interval
        self.accepted: collections.deque[float] = collections.deque()
        self.last: dict[int, float] = {}
        self.refused = 0

    def refuse(self, chat_id: int | None) -> bool:
        now = time.monotonic()
        while self.accepted and self.accepted[0] <= now - 1.0:
            self.accepted.popleft()
        if len(self.accepted) >= self.per_second or (
                chat_id is not None and now - self.last.get(chat_id, -1e9) < self.chat_interval):
            self.refused += 1
            return True
        self.accepted.append(now)
        if chat_id is not None:
            self.last[chat_id] = now
        return False


class Faults:
    """Random trouble on sendMessage, a share `rate` of calls split evenly: a 429 (retry_after 1), a 502 (nothing
    sent), or a stall (sent, but answered after `stall` seconds: past a short client timeout). Seeded."""

    def __init__(self, rate: float = 0.2, stall: float = 1.0, seed: int = 11) -> None:
        self.rate, self.stall = rate, stall
        self.rng = random.Random(seed)
        self.counts = {"429": 0, "502": 0, "stall": 0}

    def pick(self) -> str | None:
        roll = self.rng.random()
        if roll >= self.rate:
            return None
        kind = ("429", "502", "stall")[min(2, int(roll / self.rate * 3))]
        self.counts[kind] += 1
        return kind
