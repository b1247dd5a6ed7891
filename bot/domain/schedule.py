"""Recurrence: a commitment's RFC 5545 RRULE, read as wall-clock time in the family's time zone."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

# The earliest local time a schedule is anchored at; BYHOUR/BYMINUTE in the rule set the time of day.
_ANCHOR = datetime(2000, 1, 3, 0, 0)  # a Monday


class ScheduleError(ValueError):
    pass


def parse_rrule(text: str) -> rrule:
    """Parse and check a rule such as FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=15;BYMINUTE=30."""
    body = text.strip()
    if body.upper().startswith("RRULE:"):
        body = body[6:]
    upper = body.upper()
    if "DTSTART" in upper or ("UNTIL=" in upper and "Z" in upper.split("UNTIL=", 1)[1].split(";", 1)[0]):
        raise ScheduleError("schedule must not carry DTSTART or a UTC UNTIL; times are the family's local time")
    if "BYHOUR" not in upper and not upper.startswith("FREQ=HOURLY") and not upper.startswith("FREQ=MINUTELY"):
        raise ScheduleError("schedule needs BYHOUR (and usually BYMINUTE) so the check-in has a time of day")
    interval = re.search(r"INTERVAL=(\d+)", upper)
    if "COUNT=" in upper or (interval and int(interval.group(1)) != 1):
        raise ScheduleError("COUNT and INTERVAL are not supported (a plan runs until it is changed); "
                            "use BYDAY, BYMONTHDAY or UNTIL")
    if "FREQ=SECONDLY" in upper or "FREQ=MINUTELY" in upper:
        raise ScheduleError("a check-in cannot recur more often than hourly")
    try:
        rule = rrulestr(body, dtstart=_ANCHOR)
    except (ValueError, TypeError) as exc:
        raise ScheduleError(f"not a valid RRULE: {exc}") from exc
    if not isinstance(rule, rrule):
        raise ScheduleError("give a single RRULE")
    if "BYMINUTE" not in upper:
        rule = rule.replace(byminute=0)
    if "BYSECOND" not in upper:
        rule = rule.replace(bysecond=0)
    return rule


def localize(naive: datetime, tz: ZoneInfo) -> datetime:
    """Wall-clock time in `tz` as an aware UTC instant.

    Ambiguous times (clocks go back) take the first occurrence; times that do not exist (clocks go
    forward) move forward by the gap, so an 01:30 check-in on the spring-forward night comes at 02:30.
    """
    aware = naive.replace(tzinfo=tz, fold=0)
    utc = aware.astimezone(UTC)
    if utc.astimezone(tz).replace(tzinfo=None) != naive:
        # In the gap: fold=0 used the offset before the change, which lands after the gap in UTC.
        return utc
    return utc


def occurrences(rule_text: str, tz_name: str, after: datetime, until: datetime) -> Iterator[datetime]:
    """UTC instants of the rule strictly after `after` and at or before `until` (both aware)."""
    tz = ZoneInfo(tz_name)
    rule = parse_rrule(rule_text)
    # Walk local wall-clock times with a day of slack either side, then convert and filter exactly.
    start_local = after.astimezone(tz).replace(tzinfo=None) - timedelta(days=1)
    end_local = until.astimezone(tz).replace(tzinfo=None) + timedelta(days=1)
    seen: set[datetime] = set()
    for local in rule.between(start_local, end_local, inc=True):
        instant = localize(local, tz)
        if after < instant <= until and instant not in seen:
            seen.add(instant)
            yield instant


def parse_hhmm(text: str) -> time:
    try:
        hh, mm = text.strip().split(":")
        return time(int(hh), int(mm))
    except ValueError as exc:
        raise ValueError(f"not a time of day: {text!r} (use HH:MM)") from exc
