"""Recurrence in the family's zone: wall-clock times hold across DST; gaps and folds are handled."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.durations import parse_duration_minutes
from bot.domain.schedule import (
    ScheduleError,
    compile_rule,
    days_time_rule,
    describe,
    localize,
    occurrences,
    parse_rrule,
    parse_rule,
    picker_form,
)

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


# --- one parser, expanded next to the window ---------------------------------------------------------

LONDON = ZoneInfo("Europe/London")
EARLY = "FREQ=HOURLY;BYHOUR=0,1,2,3,4,5"


def _local(rule: str, start: datetime, hours: int = 48, tz: str = "Europe/London") -> list[datetime]:
    zone = ZoneInfo(tz)
    return [d.astimezone(zone) for d in occurrences(rule, tz, start, start + timedelta(hours=hours))]


def test_hourly_on_the_spring_forward_night_moves_the_missing_hour_on_and_asks_once() -> None:
    # London, 29 Mar 2026: 01:00 -> 02:00. Local 01:00 does not exist; it comes at 02:00 BST, which is
    # also the 02:00 check-in: one question at that instant, not two.
    got = list(occurrences(EARLY, "Europe/London", datetime(2026, 3, 28, 23, tzinfo=UTC),
                           datetime(2026, 3, 29, 6, tzinfo=UTC)))
    assert got == [datetime(2026, 3, 29, 0, tzinfo=UTC), datetime(2026, 3, 29, 1, tzinfo=UTC),
                   datetime(2026, 3, 29, 2, tzinfo=UTC), datetime(2026, 3, 29, 3, tzinfo=UTC),
                   datetime(2026, 3, 29, 4, tzinfo=UTC)]
    assert [t.astimezone(LONDON).hour for t in got] == [0, 2, 3, 4, 5]


def test_hourly_on_the_autumn_night_takes_the_first_of_the_repeated_hour() -> None:
    # London, 25 Oct 2026: 02:00 BST -> 01:00 GMT. 01:00 happens twice; the check-in is the first.
    got = list(occurrences(EARLY, "Europe/London", datetime(2026, 10, 24, 22, tzinfo=UTC),
                           datetime(2026, 10, 25, 6, tzinfo=UTC)))
    assert got == [datetime(2026, 10, 24, 23, tzinfo=UTC), datetime(2026, 10, 25, 0, tzinfo=UTC),
                   datetime(2026, 10, 25, 2, tzinfo=UTC), datetime(2026, 10, 25, 3, tzinfo=UTC),
                   datetime(2026, 10, 25, 4, tzinfo=UTC), datetime(2026, 10, 25, 5, tzinfo=UTC)]
    assert [t.astimezone(LONDON).strftime("%H:%M %Z") for t in got[:3]] == ["00:00 BST", "01:00 BST",
                                                                             "02:00 GMT"]


@pytest.mark.parametrize("rule", [
    "FREQ=HOURLY",  # 24 a day
    "FREQ=HOURLY;BYHOUR=7,8,9,10,11,12,13,14,15,16,17,18,19",  # 13
    "FREQ=DAILY;BYHOUR=9,10;BYMINUTE=0,10,20,30,40,50,55",  # 2 x 7 = 14
    "FREQ=DAILY;BYHOUR=9;BYMINUTE=0;BYSECOND=0,1,2,3,4,5,6,7,8,9,10,11,12",  # 13 in one minute
    "FREQ=WEEKLY;BYDAY=SA;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23",
    "FREQ=DAILY;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23;BYMINUTE=0,1,2,3,4,5,6,7,8,9,"
    "10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,"
    "46,47,48,49,50,51,52,53,54,55,56,57,58,59;BYSECOND=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,"
    "22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,"
    "58,59",  # every second of the day: 86,400
])
def test_a_rule_asking_more_than_12_times_a_day_is_refused_naming_the_commitment(rule: str) -> None:
    with pytest.raises(ScheduleError, match=r"commitment 'homework': .*at most 12 times a day"):
        parse_rule(rule, who="commitment 'homework'")


@pytest.mark.parametrize("rule", [
    "FREQ=HOURLY;BYHOUR=8,9,10,11,12,13,14,15,16,17,18,19",
    "FREQ=DAILY;BYHOUR=9,12,15,18;BYMINUTE=0,20,40",
    "FREQ=DAILY;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23;BYSETPOS=1,-1",  # 2 a day
])
def test_twelve_a_day_is_allowed(rule: str) -> None:
    assert parse_rule(rule).per_day <= 12


@pytest.mark.parametrize("rule", [
    "FREQ=HOURLY",
    "FREQ=HOURLY;BYDAY=SA,SU;BYHOUR=9,10,11",
    "FREQ=DAILY;BYHOUR=9,18;BYMINUTE=0,30",
    "FREQ=WEEKLY;BYDAY=MO,TU;BYHOUR=1,2,3,4,5,6,7,8,9,10,11,12,13,14;BYSETPOS=1,2,3,4,5,6,7,8,9,10,11,12,13",
    "FREQ=MONTHLY;BYMONTHDAY=1,15;BYHOUR=8,20",
])
def test_the_computed_most_per_day_is_what_a_fortnight_really_holds(rule: str) -> None:
    per_day = Counter(t.date() for t in _local(rule, datetime(2026, 6, 1, tzinfo=UTC), hours=24 * 14))
    assert max(per_day.values()) == compile_rule(rule).per_day


@pytest.mark.parametrize(("rule", "reason"), [
    ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30;BYHOUR=9", "never happens"),
    ("FREQ=MONTHLY;BYMONTH=4;BYMONTHDAY=31;BYHOUR=9", "never happens"),
    ("FREQ=DAILY;BYMONTH=2,4;BYMONTHDAY=31;BYHOUR=9", "never happens"),
    ("FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=30;BYHOUR=9", "never happens"),
    ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYHOUR=9", "skips whole years"),
    ("FREQ=YEARLY;BYWEEKNO=53;BYDAY=MO;BYHOUR=9", "skips whole years"),
    ("FREQ=HOURLY;BYHOUR=9,10;BYMINUTE=0,30;BYSETPOS=1", "BYSETPOS with FREQ=HOURLY"),
])
def test_a_rule_that_never_happens_or_skips_years_is_refused(rule: str, reason: str) -> None:
    with pytest.raises(ScheduleError, match=reason):
        parse_rule(rule)


def test_a_stored_rule_that_never_happens_expands_to_nothing() -> None:
    assert list(occurrences("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30;BYHOUR=9", "UTC", datetime(2026, 2, 27, tzinfo=UTC),
                            datetime(2026, 3, 2, tzinfo=UTC))) == []


@pytest.mark.parametrize("rule", [
    DAILY_18,
    "FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=15;BYMINUTE=30",
    "FREQ=HOURLY;BYHOUR=8,10,12,14,16,18,20;BYMINUTE=15",
    "FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=9",
    "FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=9;BYSETPOS=-1",
    "FREQ=YEARLY;BYMONTH=6;BYMONTHDAY=1;BYHOUR=9",
])
def test_expansion_does_not_depend_on_how_far_the_window_is_from_2000(rule: str) -> None:
    # 400 years on, the calendar is the same day for day: the same local times, whatever the distance.
    for start in (datetime(2026, 5, 27, 11, tzinfo=UTC), datetime(2026, 5, 29, 23, tzinfo=UTC)):
        near = _local(rule, start, hours=24 * 7)
        far = _local(rule, start.replace(year=2426), hours=24 * 7)
        assert [t.replace(year=2026) for t in far] == near
    # And 2090 (another calendar): still 18:00 local every day, on the same weekdays.
    later = _local(DAILY_18, datetime(2090, 3, 20, tzinfo=UTC), hours=24 * 14)
    assert len(later) == 14 and {(t.hour, t.minute) for t in later} == {(18, 0)}


def test_bysetpos_counts_whole_weeks_whatever_day_the_window_starts() -> None:
    # The first of the week's three: Monday. Started mid-week, a truncated week would pick Wednesday or Friday.
    rule = "FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=9;BYSETPOS=1"
    for day in range(1, 8):
        got = _local(rule, datetime(2026, 6, day, 0, 30, tzinfo=UTC), hours=24 * 14)
        assert {t.strftime("%a") for t in got} == {"Mon"}


def test_until_is_local_and_ends_the_rule() -> None:
    rule = "FREQ=DAILY;BYHOUR=9;UNTIL=20260603T090000"
    got = _local(rule, datetime(2026, 6, 1, tzinfo=UTC), hours=24 * 7)
    assert [t.day for t in got] == [1, 2, 3]
    assert _local(rule, datetime(2027, 6, 1, tzinfo=UTC)) == []


def test_days_must_be_said_but_old_rules_keep_their_meaning() -> None:
    with pytest.raises(ScheduleError, match="BYDAY"):
        parse_rule("FREQ=WEEKLY;BYHOUR=9")
    with pytest.raises(ScheduleError, match="BYMONTHDAY"):
        parse_rule("FREQ=MONTHLY;BYHOUR=9")
    # Stored before: FREQ=WEEKLY meant Mondays, MONTHLY the 3rd (read from a start of Mon 3 Jan 2000).
    assert {t.strftime("%a") for t in _local("FREQ=WEEKLY;BYHOUR=9", datetime(2026, 6, 1, tzinfo=UTC), 24 * 21)} \
        == {"Mon"}
    assert {t.day for t in _local("FREQ=MONTHLY;BYHOUR=9", datetime(2026, 6, 1, tzinfo=UTC), 24 * 90)} == {3}


def test_the_simple_form_reads_and_writes_rules() -> None:
    assert days_time_rule(["FR", "MO"], "15:30") == "FREQ=WEEKLY;BYDAY=MO,FR;BYHOUR=15;BYMINUTE=30"
    assert days_time_rule([], "07:05") == "FREQ=DAILY;BYHOUR=7;BYMINUTE=5"
    assert picker_form("FREQ=WEEKLY;BYDAY=MO,FR;BYHOUR=15;BYMINUTE=30") == (("MO", "FR"), "15:30")
    assert picker_form("RRULE:FREQ=DAILY;BYHOUR=7") == ((), "07:00")
    assert picker_form("FREQ=DAILY;BYHOUR=7,19") is None
    assert picker_form("FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=7") is None
    assert describe("FREQ=WEEKLY;BYDAY=MO,FR;BYHOUR=15;BYMINUTE=30") == "MO,FR at 15:30"
    assert describe("FREQ=DAILY;BYHOUR=18") == "every day at 18:00"
    assert describe("FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=7") == "FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=7"
    for rule in ("FREQ=WEEKLY;BYDAY=MO,FR;BYHOUR=15;BYMINUTE=30", "FREQ=DAILY;BYHOUR=7;BYMINUTE=5"):
        assert days_time_rule(*picker_form(rule) or ((), "")) == rule
