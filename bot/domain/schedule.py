"""Recurrence: a commitment's RFC 5545 RRULE, read as wall-clock time in the family's time zone.

The one parser of schedules. Plan files, the Slack plan editor and the engine all come here:
  - `parse_rule(text, who)` checks a rule when a plan is written (refusals name the commitment);
  - `occurrences(text, tz, after, until)` expands a stored rule for a window, starting near the
    window (never walking from a fixed date), so any rule costs the same in 2026 as in 2090;
  - `describe`, `picker_form`, `days_time_rule` read and write the simple "days + time" form.

A rule is compiled once (cached) into an rrule in which every value is explicit: nothing is taken
from its start (dateutil fills a missing BYDAY, BYMONTHDAY, BYMINUTE ... from DTSTART), so the
start can be moved next to any window without changing what the rule means.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from dateutil.rrule import DAILY, HOURLY, MINUTELY, MONTHLY, SECONDLY, WEEKLY, YEARLY, rrule, rrulestr

MAX_PER_DAY = 12  # the most check-ins one rule may ask one person on one local day
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")

_KEYS = {"FREQ", "UNTIL", "COUNT", "INTERVAL", "BYSECOND", "BYMINUTE", "BYHOUR", "BYDAY", "BYMONTHDAY",
         "BYYEARDAY", "BYWEEKNO", "BYMONTH", "BYSETPOS", "WKST", "BYEASTER"}
_DAY_FILTERS = ("BYDAY", "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYEASTER")
# Rules written before days had to be explicit were read from a start of Monday 3 January 2000:
# FREQ=WEEKLY meant Mondays, MONTHLY the 3rd, YEARLY 3 January. Stored rules keep that meaning.
_LEGACY_DAY = {WEEKLY: {"BYDAY": "MO"}, MONTHLY: {"BYMONTHDAY": "3"}, YEARLY: {"BYMONTH": "1", "BYMONTHDAY": "3"}}
_FREQS = {"YEARLY": YEARLY, "MONTHLY": MONTHLY, "WEEKLY": WEEKLY, "DAILY": DAILY, "HOURLY": HOURLY,
          "MINUTELY": MINUTELY, "SECONDLY": SECONDLY}
# Whether a rule can happen at all is tried over the calendar's last years: dateutil stops at year
# 9999 by itself, so even a rule that never matches costs a bounded walk (at most these 5 years).
# The Gregorian calendar repeats every 400 years, so these years stand for any others (leap year
# 9996 included); only Easter differs.
_SAMPLE_YEARS = range(9995, 10000)
_REFERENCE = datetime(9995, 1, 1)


class ScheduleError(ValueError):
    pass


@dataclass(frozen=True)
class Recurrence:
    text: str  # as written (upper case), without "RRULE:"
    rule: rrule  # every value explicit; its start is moved next to each window
    freq: int
    per_day: int  # the most occurrences on one local day
    years: int  # in how many of the 5 sample years it happens (0: never)
    legacy_day: bool  # the day was not said (see _LEGACY_DAY)
    wkst: int  # the week's first day (0: Monday)
    until: datetime | None  # UNTIL, local time


def _split(text: str) -> tuple[str, dict[str, str]]:
    body = text.strip()
    if body.upper().startswith("RRULE:"):
        body = body[6:].strip()
    body = body.upper()
    if ":" in body or "\n" in body or "DTSTART" in body:
        raise ScheduleError("schedule must not carry DTSTART or a UTC UNTIL; times are the family's local time")
    parts: dict[str, str] = {}
    for part in filter(None, body.split(";")):
        key, sep, value = (s.strip() for s in part.partition("="))
        if not sep or not value or key not in _KEYS:
            raise ScheduleError(f"not a valid RRULE: cannot read {part!r}")
        if key in parts:
            raise ScheduleError(f"not a valid RRULE: {key} given twice")
        parts[key] = value
    if parts.get("FREQ") not in _FREQS:
        raise ScheduleError(f"not a valid RRULE: FREQ must be one of {', '.join(_FREQS)}")
    return body, parts


def _refuse_unsupported(parts: dict[str, str]) -> None:
    if parts.get("UNTIL", "").endswith("Z"):
        raise ScheduleError("schedule must not carry DTSTART or a UTC UNTIL; times are the family's local time")
    if parts["FREQ"] in ("MINUTELY", "SECONDLY"):
        raise ScheduleError("a check-in cannot recur more often than hourly")
    if "BYHOUR" not in parts and parts["FREQ"] != "HOURLY":
        raise ScheduleError("schedule needs BYHOUR (and usually BYMINUTE) so the check-in has a time of day")
    if "COUNT" in parts or parts.get("INTERVAL", "1").lstrip("0") != "1":
        raise ScheduleError("COUNT and INTERVAL are not supported (a plan runs until it is changed); "
                            "use BYDAY, BYMONTHDAY or UNTIL")


def _numbers(value: str | None, low: int, high: int, name: str) -> set[int]:
    if value is None:
        return set()
    try:
        found = {int(v) for v in value.split(",")}
    except ValueError as exc:
        raise ScheduleError(f"not a valid RRULE: {name}={value}") from exc
    if any(not low <= n <= high for n in found):
        raise ScheduleError(f"not a valid RRULE: {name} must be in {low}..{high}")
    return found


def _most_per_day(parts: dict[str, str], freq: int) -> int:
    """The most local wall-clock times one day can hold: each matching day gets the whole grid of
    hours x minutes x seconds; BYSETPOS keeps at most that many of each period's slots."""
    hours = len(_numbers(parts.get("BYHOUR"), 0, 23, "BYHOUR")) or 24
    per_hour = len(_numbers(parts["BYMINUTE"], 0, 59, "BYMINUTE")) * len(_numbers(parts["BYSECOND"], 0, 59,
                                                                                   "BYSECOND"))
    positions = len(_numbers(parts.get("BYSETPOS"), -366, 366, "BYSETPOS")) or hours * per_hour
    if freq == HOURLY:  # the period is the hour
        return hours * min(per_hour, positions)
    return min(hours * per_hour, positions)


def _years_it_happens(rule: rrule) -> int:
    """In how many of the sample years the rule happens; bounded work whatever the rule."""
    found = 0
    for year in _SAMPLE_YEARS:
        first = next(iter(rule.replace(dtstart=datetime(year, 1, 1), until=None)), None)
        if first is None:
            break
        found += first.year == year
    return found


@lru_cache(maxsize=1024)
def compile_rule(text: str) -> Recurrence:
    """Read a rule as stored: refuses what the engine cannot expand, keeps old rules' meaning."""
    body, parts = _split(text)
    _refuse_unsupported(parts)
    freq = _FREQS[parts["FREQ"]]
    explicit = {"BYMINUTE": "0", "BYSECOND": "0", **parts}
    legacy_day = freq in _LEGACY_DAY and not any(k in parts for k in _DAY_FILTERS)
    if legacy_day:
        explicit = {**_LEGACY_DAY[freq], **explicit}
    explicit.pop("INTERVAL", None)
    per_day = _most_per_day(explicit, freq)
    if freq == HOURLY and "BYSETPOS" not in explicit:
        # The same times, walked a day at a time: a sparse hourly rule (one day a year) then costs
        # what a daily one does to reach its next day, about a third.
        explicit.update(FREQ="DAILY", BYHOUR=explicit.get("BYHOUR", ",".join(map(str, range(24)))))
    try:
        rule = rrulestr(";".join(f"{k}={v}" for k, v in explicit.items()), dtstart=_REFERENCE)
        if not isinstance(rule, rrule):
            raise ScheduleError("give a single RRULE")
        years = _years_it_happens(rule)
    except (ValueError, TypeError, OverflowError) as exc:
        raise ScheduleError(f"not a valid RRULE: {exc}") from exc
    wkst = WEEKDAYS.index(parts["WKST"]) if parts.get("WKST") in WEEKDAYS else 0
    return Recurrence(body, rule, freq, per_day, years, legacy_day, wkst, getattr(rule, "_until", None))


def parse_rule(text: str, who: str = "") -> Recurrence:
    """Check a rule as a plan is written. `who` names the commitment in the refusals."""
    prefix = f"{who}: " if who else ""
    try:
        rec = compile_rule(text)
    except ScheduleError as exc:
        raise ScheduleError(f"{prefix}{exc}") from exc
    if rec.legacy_day:
        need = {WEEKLY: "BYDAY (e.g. BYDAY=MO,TH)", MONTHLY: "BYMONTHDAY or BYDAY (e.g. BYMONTHDAY=1)",
                YEARLY: "BYMONTH with BYMONTHDAY (e.g. BYMONTH=6;BYMONTHDAY=1)"}[rec.freq]
        raise ScheduleError(f"{prefix}say which days: this rule needs {need}")
    if rec.freq == HOURLY and "BYSETPOS" in rec.text:
        raise ScheduleError(f"{prefix}BYSETPOS with FREQ=HOURLY picks within each hour; give the minutes "
                            "(BYMINUTE) instead")
    if rec.per_day > MAX_PER_DAY:
        raise ScheduleError(f"{prefix}this rule would ask up to {rec.per_day} times a day; "
                            f"a check-in may come at most {MAX_PER_DAY} times a day")
    if rec.years == 0:
        raise ScheduleError(f"{prefix}this rule never happens (no such day, e.g. 30 February); check its days")
    if rec.years < len(_SAMPLE_YEARS):
        raise ScheduleError(f"{prefix}this rule skips whole years (e.g. only on 29 February); "
                            "a check-in must come at least once a year")
    return rec


def parse_rrule(text: str) -> rrule:
    """Check a rule such as FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=15;BYMINUTE=30 (see parse_rule)."""
    return parse_rule(text).rule


def localize(naive: datetime, tz: ZoneInfo) -> datetime:
    """Wall-clock time in `tz` as an aware UTC instant.

    Ambiguous times (clocks go back) take the first occurrence; times that do not exist (clocks go
    forward) move forward by the gap, so an 01:30 check-in on the spring-forward night comes at 02:30:
    with fold=0, zoneinfo reads a time in the gap with the offset from before the change.
    """
    return naive.replace(tzinfo=tz, fold=0).astimezone(UTC)


def _window_start(wkst: int, local: datetime) -> datetime:
    """A local midnight at least a day before `local`, on the rule's week start, so a weekly period
    (and BYSETPOS within it) is whole; monthly and yearly periods are always taken whole."""
    day = local.date() - timedelta(days=1)
    day -= timedelta(days=(day.weekday() - wkst) % 7)
    return datetime.combine(day, time())


def expand(rec: Recurrence, tz: ZoneInfo, after: datetime, until: datetime) -> Iterator[datetime]:
    """UTC instants of the rule strictly after `after` and at or before `until` (both aware)."""
    if rec.years == 0 or until <= after:
        return
    start_local = _window_start(rec.wkst, after.astimezone(tz).replace(tzinfo=None))
    end_local = until.astimezone(tz).replace(tzinfo=None) + timedelta(days=1)
    if rec.until is not None:
        end_local = min(end_local, rec.until)
    if end_local < start_local:
        return
    seen: set[datetime] = set()
    for local in rec.rule.replace(dtstart=start_local, until=end_local):
        instant = localize(local, tz)
        if after < instant <= until and instant not in seen:
            seen.add(instant)
            yield instant


def occurrences(rule_text: str, tz_name: str, after: datetime, until: datetime) -> Iterator[datetime]:
    """UTC instants of a stored rule strictly after `after` and at or before `until` (both aware).

    A stored rule is expanded as it was accepted when its plan was written; one that can never
    happen yields nothing (cheaply)."""
    return expand(compile_rule(rule_text), ZoneInfo(tz_name), after, until)


# --- the simple form: some days (or every day) at one time ------------------------------------------

def days_time_rule(days: list[str] | tuple[str, ...], hhmm: str) -> str:
    """The rule for a time on some weekdays (none or all: every day)."""
    at = parse_hhmm(hhmm)
    chosen = [d for d in WEEKDAYS if d in days]
    if not chosen or len(chosen) == len(WEEKDAYS):
        return f"FREQ=DAILY;BYHOUR={at.hour};BYMINUTE={at.minute}"
    return f"FREQ=WEEKLY;BYDAY={','.join(chosen)};BYHOUR={at.hour};BYMINUTE={at.minute}"


def picker_form(text: str) -> tuple[tuple[str, ...], str] | None:
    """(weekdays, "HH:MM") if the rule is a time on some days (no days: every day), else None."""
    try:
        _, parts = _split(text)
    except ScheduleError:
        return None
    freq = parts.pop("FREQ")
    if parts.pop("INTERVAL", "1") != "1" or freq not in ("DAILY", "WEEKLY"):
        return None
    hour, minute = parts.pop("BYHOUR", ""), parts.pop("BYMINUTE", "0")
    days = tuple(d for d in parts.pop("BYDAY", "").split(",") if d)
    if parts or not hour.isdigit() or not minute.isdigit() or any(d not in WEEKDAYS for d in days):
        return None
    if (freq == "WEEKLY") != bool(days) or int(hour) > 23 or int(minute) > 59:
        return None
    return tuple(d for d in WEEKDAYS if d in days), f"{int(hour):02d}:{int(minute):02d}"


def describe(text: str) -> str:
    """A short English reading for staff and logs: "every day at 18:00", "MO,WE,FR at 15:30", or the rule."""
    form = picker_form(text)
    if form is None:
        return text.strip().upper().removeprefix("RRULE:")
    days, at = form
    return f"{','.join(days) if days else 'every day'} at {at}"


def parse_hhmm(text: str) -> time:
    try:
        hh, mm = text.strip().split(":")
        return time(int(hh), int(mm))
    except ValueError as exc:
        raise ValueError(f"not a time of day: {text!r} (use HH:MM)") from exc
