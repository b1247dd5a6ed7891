"""Working hours, quiet hours and the escalation chain (pure rules)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.hours import parse_days, quiet_until, within_working_hours
from bot.domain.routing import StaffOnCall, escalation_chain
from tests.support.harness import Harness


def test_working_hours_use_the_family_zone() -> None:
    # 16:30 UTC on a Monday in winter: 16:30 London (working), 08:30 Los Angeles (not yet).
    now = datetime(2026, 11, 30, 16, 30, tzinfo=UTC)
    assert within_working_hours(now, "Europe/London", "09:00", "17:00", "MO-FR")
    assert not within_working_hours(now, "America/Los_Angeles", "09:00", "17:00", "MO-FR")
    saturday = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
    assert not within_working_hours(saturday, "Europe/London", "09:00", "17:00", "MO-FR")


def test_day_ranges() -> None:
    assert parse_days("MO-FR") == {0, 1, 2, 3, 4}
    assert parse_days("SA,SU") == {5, 6}
    assert parse_days("FR-MO") == {4, 5, 6, 0}
    with pytest.raises(ValueError):
        parse_days("XX")


def test_quiet_hours_cross_midnight() -> None:
    late = datetime(2026, 11, 30, 22, 15, tzinfo=UTC)
    assert quiet_until(late, "Europe/London", "21:00", "08:00") == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    early = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
    assert quiet_until(early, "Europe/London", "21:00", "08:00") == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    assert quiet_until(datetime(2026, 12, 1, 12, 0, tzinfo=UTC), "Europe/London", "21:00", "08:00") is None


def test_quiet_hours_in_the_members_own_zone() -> None:
    # 14:00 UTC is 06:00 in Los Angeles: quiet there until 08:00 local = 16:00 UTC.
    now = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)
    assert quiet_until(now, "America/Los_Angeles", "21:00", "08:00") == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)


STAFF = StaffOnCall(caseworker=1, supervisor=2, duty=3, caseworker_away=False, cover=None)


def test_chain_in_working_hours() -> None:
    assert escalation_chain(STAFF, in_working_hours=True) == [1, 2, 3]


def test_chain_out_of_hours_starts_with_duty() -> None:
    assert escalation_chain(STAFF, in_working_hours=False)[0] == 3


def test_chain_when_caseworker_away_goes_to_cover_then_up() -> None:
    away = StaffOnCall(caseworker=1, supervisor=2, duty=3, caseworker_away=True, cover=9)
    assert escalation_chain(away, in_working_hours=True) == [9, 2, 3]
    no_cover = StaffOnCall(caseworker=1, supervisor=2, duty=3, caseworker_away=True, cover=None)
    assert escalation_chain(no_cover, in_working_hours=True)[0] == 3


def test_chain_without_supervisor_or_duty_still_reaches_the_caseworker() -> None:
    alone = StaffOnCall(caseworker=1, supervisor=None, duty=None, caseworker_away=False, cover=None)
    assert escalation_chain(alone, in_working_hours=False) == [1]
    assert escalation_chain(alone, in_working_hours=True) == [1]


def test_a_telegram_group_can_never_be_a_contact(hs: Harness) -> None:
    """The rule is Telegram's (handlers/telegram/addresses.py), registered by the bootstrap."""
    from bot.services.errors import InvalidInput
    from bot.services.people import parse_address

    with pytest.raises(InvalidInput, match="group or channel"):
        hs.make_family(caseworker="telegram:-1001234567890")
    assert parse_address("telegram:12345") == ("telegram", "12345")


def test_the_chain_goes_round_then_stays_with_duty_and_the_away_caseworker_is_never_in_it() -> None:
    from bot.domain.routing import StaffOnCall, chain_exhausted, chain_index, escalation_steps, final_stop

    away = StaffOnCall(caseworker=1, supervisor=2, duty=3, caseworker_away=True, cover=4)
    assert [(s.person, s.role) for s in escalation_steps(away, False)] == [(3, "duty"), (2, "supervisor"), (4, "cover")]
    assert [(s.person, s.role) for s in escalation_steps(away, True)] == [(4, "cover"), (2, "supervisor"), (3, "duty")]
    roles = ["caseworker", "supervisor", "duty"]
    assert [chain_index(3, step, 0, final_stop(roles)) for step in range(7)] == [0, 1, 2, 0, 1, 2, 0]
    assert [chain_index(3, step, 2, final_stop(roles)) for step in range(9)] == [0, 1, 2, 0, 1, 2, 2, 2, 2]
    assert [step for step in range(10) if chain_exhausted(3, step, 0)] == [3, 6, 9]
    assert [step for step in range(9) if chain_exhausted(3, step, 1)] == [3, 4, 5, 6, 7, 8]
