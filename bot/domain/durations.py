"""Durations as written in plan files and settings: "45m", "2h", "1h30m", "1d"."""

from __future__ import annotations

import re

_PART = re.compile(r"(\d+)\s*([dhm])")


def parse_duration_minutes(text: str) -> int:
    s = text.strip().lower().replace(" ", "")
    if not s or _PART.sub("", s):
        raise ValueError(f"not a duration: {text!r} (use e.g. 45m, 2h, 1h30m, 1d)")
    total = 0
    for amount, unit in _PART.findall(s):
        total += int(amount) * {"d": 1440, "h": 60, "m": 1}[unit]
    if total <= 0:
        raise ValueError(f"duration must be positive: {text!r}")
    return total
