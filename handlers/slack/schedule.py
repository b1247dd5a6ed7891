"""The plan modal's schedule picker (days + time) to and from a commitment's RRULE."""

from __future__ import annotations

from dataclasses import dataclass

from messages.slack import DAYS


@dataclass(frozen=True)
class Picked:
    days: tuple[str, ...]  # empty: every day
    time: str  # "HH:MM"


def to_rrule(days: list[str] | tuple[str, ...], time: str) -> str:
    hh, mm = (int(x) for x in time.split(":"))
    chosen = [d for d in DAYS if d in days]
    if not chosen or len(chosen) == len(DAYS):
        return f"FREQ=DAILY;BYHOUR={hh};BYMINUTE={mm}"
    return f"FREQ=WEEKLY;BYDAY={','.join(chosen)};BYHOUR={hh};BYMINUTE={mm}"


def from_rrule(rule: str) -> Picked | None:
    """The picker's reading of a rule, or None if the picker cannot show it (then the advanced field does)."""
    parts: dict[str, str] = {}
    for part in rule.strip().upper().removeprefix("RRULE:").split(";"):
        key, sep, value = part.partition("=")
        if not sep:
            return None
        parts[key] = value
    freq = parts.pop("FREQ", "")
    if parts.pop("INTERVAL", "1") != "1" or freq not in ("DAILY", "WEEKLY"):
        return None
    hour, minute = parts.pop("BYHOUR", ""), parts.pop("BYMINUTE", "0")
    days = tuple(d for d in parts.pop("BYDAY", "").split(",") if d)
    if parts or not hour.isdigit() or not minute.isdigit() or any(d not in DAYS for d in days):
        return None
    if freq == "WEEKLY" and not days:
        return None
    if freq == "DAILY" and days:
        return None
    return Picked(tuple(d for d in DAYS if d in days), f"{int(hour):02d}:{int(minute):02d}")
