"""Recurrence in the family's zone: wall-clock times hold across DST; gaps and folds are handled."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.durations import parse_duration_minutes
from bot.domain.schedule import ScheduleError, localize, occurrences, parse_rrule

DAILY_18 = "FREQ=DAILY;BYHOUR=18;BYMINUTE=0"


def _local_times(tz: str, start: datetime, days: int) -> list[datetime]:
    return [d.astimezone(ZoneInfo(tz)) for d in occurrences(DAILY_18, tz, start, start + timedelta(days=days))]


@pytest.mark.parametrize(("tz", "start"), [
    ("Europe/London", datetime(2026, 3, 25, tzinfo=UTC)),  # clocks go forward Sun 29 Mar 2026
    ("Europe/London", datetime(2026, 10, 21, tzinfo=UTC)),  # clocks go back Sun 25 Oct 2026
    ("America/Los_Angeles", datetime(2026, 3, 5, tzinfo=UTC)),  # forward Sun 8 Mar 2026
    ("America/Los_Angeles", datetime(2026, 10, 28, tzinfo=UTC)),  # back Sun 1 Nov 2026
])
def test_an_18_00_checkin_stays_18_00_local_through_a_dst_week(tz: str, start: datetime) -> None:
    times = _local_times(tz, start, 8)
    assert len(times) == 8
    assert {(t.hour, t.minute) for t in times} == {(18, 0)}
    offsets = {t.utcoffset() for t in times}
    assert len(offsets) == 2, "the week crosses a DST change, so the UTC instant must move"


def test_london_utc_instants_shift_by_an_hour_across_the_spring_change() -> None:
    got = list(occurrences(DAILY_18, "Europe/London", datetime(2026, 3, 28, tzinfo=UTC),
                           datetime(2026, 3, 30, tzinfo=UTC)))
    assert got == [datetime(2026, 3, 28, 18, 0, tzinfo=UTC), datetime(2026, 3, 29, 17, 0, tzinfo=UTC)]


def test_a_time_in_the_spring_gap_moves_forward_and_is_not_lost() -> None:
    # 01:30 does not exist in London on 29 Mar 2026 (01:00 -> 02:00).
    got = list(occurrences("FREQ=DAILY;BYHOUR=1;BYMINUTE=30", "Europe/London", datetime(2026, 3, 28, 12, tzinfo=UTC),
                           datetime(2026, 3, 30, 12, tzinfo=UTC)))
    assert len(got) == 2
    assert got[0] == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # 02:30 BST
    assert got[1] == datetime(2026, 3, 30, 0, 30, tzinfo=UTC)  # 01:30 BST


def test_an_ambiguous_time_happens_once_on_the_autumn_night() -> None:
    got = list(occurrences("FREQ=DAILY;BYHOUR=1;BYMINUTE=30", "Europe/London", datetime(2026, 10, 24, 12, tzinfo=UTC),
                           datetime(2026, 10, 26, 12, tzinfo=UTC)))
    assert got == [datetime(2026, 10, 25, 0, 30, tzinfo=UTC), datetime(2026, 10, 26, 1, 30, tzinfo=UTC)]


def test_weekly_days_and_window_bounds() -> None:
    rule = "FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=15;BYMINUTE=30"
    monday = datetime(2026, 11, 30, 15, 30, tzinfo=UTC)
    got = list(occurrences(rule, "Europe/London", monday, monday + timedelta(days=7)))
    assert [d.strftime("%a") for d in got] == ["Wed", "Fri", "Mon"], "after is exclusive, until inclusive"


def test_localize_round_trips_ordinary_times() -> None:
    tz = ZoneInfo("America/Los_Angeles")
    assert localize(datetime(2026, 7, 1, 18, 0), tz) == datetime(2026, 7, 2, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize("bad", [
    "FREQ=SOMETIMES;BYHOUR=1",
    "FREQ=DAILY",  # no time of day
    "FREQ=MINUTELY;BYHOUR=1",
    "FREQ=DAILY;BYHOUR=9;COUNT=10",  # anchored in 2000: would never happen
    "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;BYHOUR=9",
    "FREQ=WEEKLY;INTERVAL=10;BYDAY=MO;BYHOUR=9",
    "DTSTART:20260101T000000\nRRULE:FREQ=DAILY;BYHOUR=9",
    "",
])
def test_bad_rules_are_refused_with_a_reason(bad: str) -> None:
    with pytest.raises(ScheduleError):
        parse_rrule(bad)


def test_minutes_default_to_zero() -> None:
    got = next(iter(occurrences("FREQ=DAILY;BYHOUR=9", "UTC", datetime(2026, 1, 1, tzinfo=UTC),
                                datetime(2026, 1, 2, tzinfo=UTC))))
    assert (got.hour, got.minute, got.second) == (9, 0, 0)


@pytest.mark.parametrize(("text", "minutes"), [("45m", 45), ("2h", 120), ("1h30m", 90), ("1d", 1440)])
def test_durations(text: str, minutes: int) -> None:
    assert parse_duration_minutes(text) == minutes


@pytest.mark.parametrize("bad", ["soon", "", "0m", "5x", "-5m"])
def test_bad_durations(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_duration_minutes(bad)


def test_interval_one_is_fine() -> None:
    assert parse_rrule("FREQ=WEEKLY;INTERVAL=1;BYDAY=MO;BYHOUR=9")
