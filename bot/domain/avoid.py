"""The plan's people-to-avoid list: a name on it is never invited, never given a commitment or a meeting."""

from __future__ import annotations


def is_avoided(name: str, avoid: list[str]) -> bool:
    key = name.strip().casefold()
    return any(key == a.strip().casefold() for a in avoid)
