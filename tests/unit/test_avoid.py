"""The people-to-avoid list matches a name however it is written: case, accents, a typo, a short ending, and
the words of a full name in any order (a register writes "SMITH, Kevin", a supporter "smith kev" is a nickname
staff list on its own)."""

from __future__ import annotations

import pytest

from bot.domain.avoid import avoid_terms, is_avoided, named_avoided


@pytest.mark.parametrize("text", ["Kevin Smith came round", "SMITH, Kevin was at the door", "smith kevin again",
                                  "kevin smiths van", "Kévin Smyth"])
def test_a_full_name_is_found_in_any_order_and_spelling(text: str) -> None:
    assert named_avoided(text, ["Kevin Smith"]) == "Kevin Smith"


@pytest.mark.parametrize("text", ["Kevin came round", "Mrs Smith from school", "Kevin and Dave Smith"])
def test_a_full_name_needs_both_words_side_by_side(text: str) -> None:
    assert named_avoided(text, ["Kevin Smith"]) is None


def test_inviting_checks_the_name_in_any_order() -> None:
    assert is_avoided("Smith Kevin", ["Kevin Smith"]) and is_avoided("kevin", ["Kevin"])
    assert not is_avoided("Kevin", ["Kevin Smith"]) and not is_avoided("Kate Smith", ["Kevin Smith"])


def test_each_order_keeps_the_name_as_listed_and_long_names_keep_their_order() -> None:
    terms = avoid_terms(["Kevin Smith", "Jan Maria Nowak", "Anna Maria de la Cruz", "Kev", "???"])
    assert [t.text for t in terms].count("Kevin Smith") == 2
    assert [t.text for t in terms].count("Jan Maria Nowak") == 6
    assert [t.text for t in terms].count("Anna Maria de la Cruz") == 1
    assert {t.text for t in terms} == {"Kevin Smith", "Jan Maria Nowak", "Anna Maria de la Cruz", "Kev"}
