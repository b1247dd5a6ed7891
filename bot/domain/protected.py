"""Protected terms: words that must never reach a family member (a child's name or nickname, a date of birth,
the school, the address, other case words; the shipped allegation words) and the names of people to avoid.

Pure: text in, the term found (or None) out. Matching is forgiving the way bot.domain.fuzzy is: case and
accents do not count, a word of 5 letters or more matches with one typo, and a name also matches with a short
ending ("Tommy's", "Kasią", "Kasi"), so an inflection or a misspelling does not slip through. A term of several
words matches those words in a row; a date ("12/03/2015", "12.3.2015") matches whatever the separators and
leading zeros. Allegation words use the word-list format ("abus*" for any ending)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.domain.fuzzy import FUZZY_FROM, phrase, tokens, within_one, word_matches

ENDING = 2  # a name of 3 letters or more also matches with up to this many letters added ("tom" -> "toms")


@dataclass(frozen=True)
class Term:
    """One protected term: as staff wrote it (for the error they are shown) and as folded words to match."""

    text: str
    words: tuple[str, ...]
    listed: bool = False  # a shipped allegation word (list syntax: "word*", "=word") rather than a staff term


def term(text: str) -> Term | None:
    """A staff term (a name, a date, an address); None when it has no letters or digits."""
    words = tuple(_number(t.word) for t in tokens(text))
    return Term(text.strip(), words) if words else None


def listed(line: str) -> Term | None:
    """A shipped allegation phrase in word-list syntax."""
    words = phrase(line)
    return Term(line.strip(), words, listed=True) if words else None


def _number(word: str) -> str:
    return str(int(word)) if word.isdigit() else word


def _matches(token: str, pattern: str, is_listed: bool) -> bool:
    if is_listed:
        return word_matches(token, pattern)
    if token == pattern:
        return True
    if pattern.isdigit() or token.isdigit():
        return False
    if len(pattern) >= 3 and token.startswith(pattern) and len(token) - len(pattern) <= ENDING:
        return True  # a short ending: a plural, a possessive, a case ending
    return len(pattern) >= FUZZY_FROM and token[:1] == pattern[:1] and within_one(token, pattern)


def _first(pattern: str) -> str:
    """Every way a word can match a pattern keeps its first letter ("=word", "stem*", a typo after it)."""
    return pattern.lstrip("=")[:1]


def find(text: str, terms: Iterable[Term]) -> Term | None:
    """The first term found in `text` (whole words, in a row), or None. Each term is tried only where a word
    of the text starts with its first letter: a message is checked against hundreds of terms on every send."""
    words = [_number(t.word) for t in tokens(text)]
    if not words:
        return None
    starts: dict[str, list[int]] = {}
    for i, word in enumerate(words):
        starts.setdefault(word[:1], []).append(i)
    for t in terms:
        n = len(t.words)
        for i in starts.get(_first(t.words[0]), ()):
            if i + n <= len(words) and all(_matches(w, p, t.listed)
                                           for w, p in zip(words[i:i + n], t.words, strict=True)):
                return t
    return None


def fields_with_term(fields: Sequence[tuple[str, str]], terms: Sequence[Term]) -> tuple[str, Term] | None:
    """(field, term) for the first field whose text holds a protected term, or None."""
    for label, text in fields:
        found = find(text, terms)
        if found is not None:
            return label, found
    return None
