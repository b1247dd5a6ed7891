"""The plan's people-to-avoid list: a name on it is never invited, never given a commitment or a meeting, never
contacted or named to members. Names match as protected terms do (bot.domain.protected): case, accents, a
typo, a short ending ("Marek" and "Mareka", "Jon" and "Jon's") and a nickname listed on its own."""

from __future__ import annotations

from bot.domain.protected import Term, find, names_match, term


def is_avoided(name: str, avoid: list[str]) -> bool:
    return any(names_match(name, a) for a in avoid)


def avoid_terms(avoid: list[str]) -> list[Term]:
    return [t for t in (term(a) for a in avoid) if t is not None]


def named_avoided(text: str, avoid: list[str]) -> str | None:
    """The avoided person (as listed) named in `text`, or None."""
    found = find(text, avoid_terms(avoid))
    return found.text if found else None
