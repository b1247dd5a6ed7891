"""Worries in plain words: does a message say someone is worried, afraid or in danger, that there is
violence, drinking or drugs around the children, police or hospital, or ask for urgent contact?

Pure: text in, yes or no out. The phrases are the worry_words.txt lists of every language in the catalogue
tree (see bot.conversation.words for the format and how typos and accents are forgiven). Anywhere in the
message counts. A false alarm reaches a person who reads it; a missed worry reaches nobody, so the lists
lean towards yes. Ordinary talk that only looks like a worry ("no worries", "no te preocupes") is listed
with "!" and taken out before the worry phrases are looked for."""

from __future__ import annotations

from bot.conversation.words import Lexicon, Phrase, found_at, lexicon, tokens

SIGNS = ("🆘", "🚨", "⚠")  # signs that mean the same in every language


def _masked(words: list[str | None], lex: Lexicon) -> list[str | None]:
    out = list(words)
    for i, p in list(found_at(words, lex.ordinary_index)):
        out[i:i + len(p)] = [None] * len(p)
    return out


def worry_phrases(text: str, lex: Lexicon | None = None) -> list[Phrase]:
    """The worry phrases found in `text`, longest first (empty when it is not a worry)."""
    lex = lex or lexicon()
    found = {p for _, p in found_at(_masked([t.word for t in tokens(text)], lex), lex.worry_index)}
    return sorted(found, key=lambda p: (-len(p), p))


def is_worry(text: str, lex: Lexicon | None = None) -> bool:
    if any(sign in text for sign in SIGNS):
        return True
    lex = lex or lexicon()
    return next(found_at(_masked([t.word for t in tokens(text)], lex), lex.worry_index), None) is not None
