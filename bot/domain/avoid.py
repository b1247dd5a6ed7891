"""The plan's people-to-avoid list: a name on it is never invited, never given a commitment or a meeting, never
contacted or named to members. Names match as protected terms do (bot.domain.protected): case, accents, a
typo, a short ending ("Marek" and "Mareka", "Jon" and "Jon's") and a nickname listed on its own. A name of
two or three words also matches in any order ("Kevin Smith", "Smith Kevin", "SMITH, Kevin"), as registers and
people write them."""

from __future__ import annotations

from dataclasses import replace
from itertools import permutations

from bot.domain.protected import Term, find, term

IN_ANY_ORDER = 3  # names of up to this many words match in any order (3! = 6 orders at most)


def avoid_terms(avoid: list[str]) -> list[Term]:
    """One term per listed name and word order; each keeps the name as listed (what staff are shown)."""
    found: list[Term] = []
    for name in avoid:
        listed = term(name)
        if listed is None:
            continue
        orders = permutations(listed.words) if len(listed.words) <= IN_ANY_ORDER else [listed.words]
        found.extend(replace(listed, words=words) for words in dict.fromkeys(orders))
    return found


def is_avoided(name: str, avoid: list[str]) -> bool:
    """Is a person called `name` one the plan lists to avoid (the listed words found in the name, in a row,
    in any order; "Marek" lists "Mareka", "marek nowak"; "Marek Nowak" lists "Nowak Marek" but not "Marek")."""
    return find(name, avoid_terms(avoid)) is not None


def named_avoided(text: str, avoid: list[str]) -> str | None:
    """The avoided person (as listed) named in `text`, or None."""
    found = find(text, avoid_terms(avoid))
    return found.text if found else None
