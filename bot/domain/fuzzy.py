"""Forgiving word matching, pure: folded words (lower case, accents stripped (NFKD, combining marks dropped;
"ł" -> "l"), apostrophes dropped), and list words that match with one typo or any ending.

A word of 5 letters or more also matches with one typo (one letter added, dropped, changed or two swapped),
keeping its first letter; "word*" matches any ending (a stem of 6 letters or more with one typo too); "=word" is
matched exactly. Used for worries and answers (bot.conversation.words) and for protected terms and the people to
avoid (bot.domain.protected)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

FUZZY_FROM = 5  # words this long or longer tolerate one typo
STEM_FUZZY_FROM = 6  # stems ("drunk*") this long or longer tolerate one typo
_TOKEN = re.compile(r"\w+(?:['’]\w+)*")
_SPECIAL = str.maketrans({"ł": "l", "Ł": "l", "ø": "o", "đ": "d", "'": "", "’": ""})

Phrase = tuple[str, ...]


def fold(text: str) -> str:
    """Lower case, no accents, no apostrophes: "Martwię się" -> "martwie sie", "Didn't" -> "didnt"."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPECIAL))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@dataclass(frozen=True)
class Token:
    word: str  # folded
    start: int  # where it is in the original text
    end: int


def tokens(text: str) -> list[Token]:
    return [Token(fold(m.group()), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def phrase(text: str) -> Phrase:
    """A list line as folded words, keeping the "*" and "=" marks."""
    return tuple(w for w in (_mark(raw) for raw in text.split()) if w.strip("*="))


def _mark(raw: str) -> str:
    exact, stem = raw.startswith("="), raw.endswith("*")
    core = fold(raw.strip("=*"))
    core = re.sub(r"[^\w]", "", core)
    return ("=" if exact else "") + core + ("*" if stem else "")


# --- one typo ---------------------------------------------------------------------------------------

def within_one(a: str, b: str) -> bool:
    """True when a and b are equal or one edit apart (insert, delete, substitute, swap two neighbours)."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la > lb:
        a, b, la, lb = b, a, lb, la
    i = 0
    while i < la and a[i] == b[i]:
        i += 1
    if la < lb:  # one letter added
        return a[i:] == b[i + 1:]
    if a[i + 1:] == b[i + 1:]:  # one letter changed
        return True
    return i + 1 < la and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2:] == b[i + 2:]  # two swapped


@lru_cache(maxsize=65536)
def word_matches(token: str, pattern: str) -> bool:
    """Does this folded word of a message match one word of a list?"""
    if pattern.startswith("="):
        core = pattern[1:]
        return token.startswith(core[:-1]) if core.endswith("*") else token == core
    if pattern.endswith("*"):
        return _stem_matches(token, pattern[:-1])
    if token == pattern:
        return True
    return (len(pattern) >= FUZZY_FROM and len(token) >= FUZZY_FROM - 1 and token[0] == pattern[0]
            and within_one(token, pattern))


def _stem_matches(token: str, stem: str) -> bool:
    if token.startswith(stem):
        return True
    if len(stem) < STEM_FUZZY_FROM or not token or token[0] != stem[0]:
        return False
    n = len(stem)
    # The stem with one typo: the same length (a letter changed or swapped), one longer (a letter added),
    # one shorter (a letter dropped, but not just the stem's last letter: that is no typo, only a prefix).
    if within_one(token[:n], stem) or within_one(token[:n + 1], stem):
        return len(token) >= n
    return token[:n - 1] != stem[:n - 1] and within_one(token[:n - 1], stem)


def phrase_at(words: list[str | None], i: int, wanted: Phrase) -> bool:
    """Does `wanted` match the message words starting at position i?"""
    if i + len(wanted) > len(words):
        return False
    return all(w is not None and word_matches(w, p) for w, p in zip(words[i:i + len(wanted)], wanted, strict=False))
