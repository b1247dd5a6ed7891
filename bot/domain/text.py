"""People's free text as it enters: no bidirectional controls, no invisible control characters, and
names of a stated length.

A right-to-left override (U+202E) in a name or a note would reorder the rest of the line wherever it is
shown (a Slack alert, a Telegram message, the CLI), so the words could say something else than what was
written; these characters are dropped before anything is stored or shown. Other control characters
(NUL, escape sequences) are dropped too: PostgreSQL refuses NUL in text, and a terminal obeys escapes.
Line breaks and tabs stay.
"""

from __future__ import annotations

import re

# LRE RLE PDF LRO RLO, LRI RLI FSI PDI, LRM RLM, ALM.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
MAX_NAME = 80  # characters, the same on every database (the name columns are 80 wide)

_UNWANTED = re.compile("[" + "".join(sorted(BIDI_CONTROLS)) + "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean_text(text: str) -> str:
    """`text` without bidirectional controls and control characters (line breaks and tabs kept)."""
    return _UNWANTED.sub("", text.replace("\r\n", "\n"))


def clean_optional(text: str | None) -> str | None:
    return None if text is None else clean_text(text)


def clean_name(name: str, limit: int = MAX_NAME) -> str:
    """A person's name, cleaned and on one line; ValueError if empty or longer than `limit` characters."""
    name = " ".join(clean_text(name).split())
    if not 1 <= len(name) <= limit:
        raise ValueError(f"a name must be 1 to {limit} characters")
    return name


def _latin(ch: str) -> bool:
    code = ord(ch)
    return code <= 0x24F or 0x1E00 <= code <= 0x1EFF  # Basic Latin to Latin Extended-B, Latin Extended Additional


def recognised_script(text: str) -> bool:
    """Cheap: is this written in the Latin script of the supported languages (en, es, pl)? False when most of
    its letters are of another script (Arabic, Cyrillic, ...): staff are told the language was not
    recognised. Text without letters (a number, an emoji) counts as recognised."""
    letters = [ch for ch in text if ch.isalpha()]
    return not letters or sum(_latin(ch) for ch in letters) * 2 >= len(letters)
