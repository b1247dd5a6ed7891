"""Working hours (is the caseworker on?) and quiet hours (may a routine message go now?)."""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, available_timezones

from bot.domain.schedule import localize, parse_hhmm

WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
DAY_NAMES = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
MAX_DAYS_TEXT = 32  # the width of families.work_days
MAX_ZONE_NAME = 64  # the width of the timezone columns


def _day(word: str) -> int:
    """"MO", "Mon", "monday", "TUES" -> the weekday number; any two or more leading letters of the English
    name will do (the first two letters already tell the days apart)."""
    w = word.lower()
    for i, name in enumerate(DAY_NAMES):
        if len(w) >= 2 and name.startswith(w):
            return i
    raise ValueError(f"not a weekday: {word!r} (use e.g. MO-FR, Mon-Fri or mon,tue,wed)")


def _parts(text: str) -> list[tuple[int, int]]:
    """"Mon - Fri, sat" -> [(0, 4), (5, 5)]: each part a single day or a range (first, last)."""
    text = re.sub(r"\s*[-\u2013]\s*", "-", text.strip())
    parts = []
    for part in re.split(r"[,;\s]+", text):
        if not part:
            continue
        first, dash, last = part.partition("-")
        parts.append((_day(first), _day(last) if dash else _day(first)))
    return parts


def parse_days(text: str) -> set[int]:
    """"MO,TU,WE", "MO-FR", "Mon-Fri" or "mon,tue" into weekday numbers (Monday is 0)."""
    days: set[int] = set()
    for i, j in _parts(text):
        days.update(range(i, j + 1) if i <= j else [*range(i, 7), *range(0, j + 1)])
    return days


def normalise_days(text: str) -> str:
    """The stored form of working days: "Mon-Fri" -> "MO-FR", "mon,tue" -> "MO,TU". ValueError if none."""
    parts = _parts(text)
    if not parts:
        raise ValueError("no working days given (use e.g. MO-FR, Mon-Fri or mon,tue,wed)")
    words = list(dict.fromkeys(WEEKDAYS[i] if i == j else f"{WEEKDAYS[i]}-{WEEKDAYS[j]}" for i, j in parts))
    out = ",".join(words)
    if len(out) > MAX_DAYS_TEXT:
        out = ",".join(WEEKDAYS[d] for d in sorted(parse_days(text)))
    return out


def check_zone(name: object) -> str:
    """`name` if it is a time zone of the zone database, else ValueError. Never anything else: a
    directory ("America"), a path ("../etc"), an empty, overlong or non-ASCII name all make ZoneInfo raise
    something different (IsADirectoryError, ValueError, OSError...), so the name is checked against the
    list of zones first."""
    if not isinstance(name, str) or not name or len(name) > MAX_ZONE_NAME or name not in _zones():
        raise ValueError(f"unknown time zone: {str(name)[:MAX_ZONE_NAME]!r} (use e.g. Europe/London)")
    return name


@functools.cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones()) | {"UTC"}


def within_working_hours(now: datetime, tz_name: str, start: str, end: str, days: str) -> bool:
    local = now.astimezone(ZoneInfo(tz_name))
    if local.weekday() not in parse_days(days):
        return False
    return parse_hhmm(start) <= local.time().replace(tzinfo=None) < parse_hhmm(end)


def _in_window(t: time, start: time, end: time) -> bool:
    if start <= end:
        return start <= t < end
    return t >= start or t < end  # the window crosses midnight, e.g. 21:00-08:00


def quiet_until(now: datetime, tz_name: str, quiet_start: str, quiet_end: str) -> datetime | None:
    """If `now` is inside the person's quiet hours, the UTC instant they end; otherwise None."""
    tz = ZoneInfo(tz_name)
    local = now.astimezone(tz)
    start, end = parse_hhmm(quiet_start), parse_hhmm(quiet_end)
    if start == end or not _in_window(local.time().replace(tzinfo=None), start, end):
        return None
    day = local.date() if local.time().replace(tzinfo=None) < end else local.date() + timedelta(days=1)
    return localize(datetime.combine(day, end), tz).astimezone(UTC)


def local_time(now: datetime, tz_name: str) -> datetime:
    return now.astimezone(ZoneInfo(tz_name))


def next_working_start(now: datetime, tz_name: str, start: str, end: str, days: str) -> datetime:
    """`now` if it is within working hours, else the UTC instant the next working day starts (within 8 days)."""
    if within_working_hours(now, tz_name, start, end, days):
        return now
    tz, workdays, opens = ZoneInfo(tz_name), parse_days(days), parse_hhmm(start)
    local = now.astimezone(tz)
    for ahead in range(8):
        day = local.date() + timedelta(days=ahead)
        moment = localize(datetime.combine(day, opens), tz)
        if day.weekday() in workdays and moment > local:
            return moment.astimezone(UTC)
    return now  # no working days at all: nobody would ever see it, so it goes now
