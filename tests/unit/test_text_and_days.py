"""The small checks at the edges: people's text cleaned, working days in any usual spelling, zone names."""

from __future__ import annotations

import pytest

from bot.domain.hours import check_zone, normalise_days, parse_days
from bot.domain.text import BIDI_CONTROLS, MAX_NAME, clean_name, clean_text

RLO = "\u202e"


def test_every_bidirectional_control_is_stripped() -> None:
    assert len(BIDI_CONTROLS) == 12
    for ch in BIDI_CONTROLS:
        assert clean_text(f"pay {ch}01$ now") == "pay 01$ now"
    assert clean_text(f"\u2066{RLO}gnp.exe\u2069\u200f\u061c") == "gnp.exe"


def test_other_control_characters_go_but_lines_and_tabs_stay() -> None:
    assert clean_text("a\x00b\x1b[31mc\x7fd\x85e") == "ab[31mcde"
    assert clean_text("one\r\ntwo\tthree\n") == "one\ntwo\tthree\n"
    assert clean_text("Zoë, Ŝaŭlo, 山田, مريم") == "Zoë, Ŝaŭlo, 山田, مريم", "letters of any script stay"


def test_names_have_one_stated_limit() -> None:
    assert clean_name(f"  Gran{RLO}  Smith\n") == "Gran Smith"
    assert clean_name("x" * MAX_NAME) == "x" * MAX_NAME
    for bad in ("x" * (MAX_NAME + 1), "", "   ", RLO * 3):
        with pytest.raises(ValueError):
            clean_name(bad)


@pytest.mark.parametrize(("given", "stored", "days"), [
    ("MO-FR", "MO-FR", {0, 1, 2, 3, 4}),
    ("Mon-Fri", "MO-FR", {0, 1, 2, 3, 4}),
    ("mon,tue", "MO,TU", {0, 1}),
    ("Monday - Friday", "MO-FR", {0, 1, 2, 3, 4}),
    ("tues, thurs, sat", "TU,TH,SA", {1, 3, 5}),
    ("fri-mon", "FR-MO", {4, 5, 6, 0}),
    ("Sa Su", "SA,SU", {5, 6}),
])
def test_working_days_in_any_usual_spelling(given: str, stored: str, days: set[int]) -> None:
    assert normalise_days(given) == stored
    assert parse_days(given) == parse_days(stored) == days


def test_working_days_that_are_not_days_are_refused() -> None:
    for bad in ("", ",", "XX", "M", "Mon-Xyz", "MO-TU-WE", "funday"):
        with pytest.raises(ValueError):
            normalise_days(bad)
    assert len(normalise_days(",".join(["mo"] * 30 + ["tu-we", "we-th", "th-fr", "fr-sa", "sa-su"]))) <= 32


@pytest.mark.parametrize("name", ["America", "America/", "../etc", "/etc/passwd", "", " ", "a" * 300,
                                  "Europe/Lóndon", "Europe/London\x00", "Europe/../Europe/London", ".",
                                  "zone.tab", "tzdata.zi", "__init__.py", "Mars/Olympus"])
def test_only_zones_of_the_zone_database_pass(name: str) -> None:
    with pytest.raises(ValueError, match="unknown time zone"):
        check_zone(name)


def test_real_zones_pass() -> None:
    for name in ("Europe/London", "America/New_York", "UTC", "Etc/GMT+5", "America/Argentina/Buenos_Aires"):
        assert check_zone(name) == name
