"""Working hours (is the caseworker on?) and quiet hours (may a routine message go now?)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.schedule import localize, parse_hhmm

WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


def parse_days(text: str) -> set[int]:
    """"MO,TU,WE" or "MO-FR" into weekday numbers (Monday is 0)."""
    days: set[int] = set()
    for part in text.upper().replace(" ", "").split(","):
        if not part:
            continue
        if "-" in part:
            a, b = part.split("-", 1)
            i, j = WEEKDAYS.index(a), WEEKDAYS.index(b)
            days.update(range(i, j + 1) if i <= j else [*range(i, 7), *range(0, j + 1)])
        elif part in WEEKDAYS:
            days.add(WEEKDAYS.index(part))
        else:
            raise ValueError(f"not a weekday: {part!r} (use MO TU WE TH FR SA SU)")
    return days


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
