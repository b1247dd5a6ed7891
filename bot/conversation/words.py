"""Reading people's own words: worries, command words and answers, in every language we have lists for.

The word lists live in the catalogue tree, one set per language (messages/locale/<lang>/):
  worry_words.txt    phrases that mean someone is worried, in danger, or needs urgent contact;
                     a line starting with "!" is ordinary talk that is never a worry ("!no worries")
  command_words.txt  [command] sections: phrases that run a member command when they are the whole message
  answer_words.txt   [answer] sections: phrases that answer a check-in when they start the message
One phrase per line, "#" starts a comment. In a phrase, a word ending in "*" matches any ending
("drunk*": drunken, drunkard) and a word starting with "=" is matched exactly (no typo tolerance).

Matching is on folded words: lower case, accents stripped (NFKD, combining marks dropped; "ł" -> "l"),
apostrophes dropped ("didn't" -> "didnt"). A word of 5 letters or more also matches with one typo (one
letter added, dropped, changed or two swapped), keeping its first letter. Every list of every language is
used for everyone: a Polish worry is a worry whatever language the member's messages are in.

Matching is pure (text in, answer out); the lists are read once per process."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from bot.domain.fuzzy import (  # noqa: F401 (re-exported: the matching is the domain's)
    FUZZY_FROM,
    STEM_FUZZY_FROM,
    Phrase,
    Token,
    fold,
    phrase,
    phrase_at,
    tokens,
    within_one,
    word_matches,
)
from messages.catalog import LOCALE_DIR


def by_first_letter(phrases: list[Phrase]) -> dict[str, list[Phrase]]:
    """Every way a list word matches keeps its first letter: the phrases worth trying at a word."""
    index: dict[str, list[Phrase]] = {}
    for p in phrases:
        index.setdefault(p[0].lstrip("=")[:1], []).append(p)
    return index


def found_at(words: list[str | None], index: dict[str, list[Phrase]]) -> Iterator[tuple[int, Phrase]]:
    """(position, phrase) for each phrase of the index found in the words, in order."""
    for i, word in enumerate(words):
        if word:
            for p in index.get(word[0], ()):
                if phrase_at(words, i, p):
                    yield i, p


# --- the lists --------------------------------------------------------------------------------------

@dataclass
class Lexicon:
    worries: list[Phrase] = field(default_factory=list)
    ordinary: list[Phrase] = field(default_factory=list)  # never a worry ("no worries"), masked first
    commands: dict[str, list[Phrase]] = field(default_factory=dict)  # "stop" -> phrases; "polite" too
    answers: dict[str, list[Phrase]] = field(default_factory=dict)  # "done" -> phrases

    worry_index: dict[str, list[Phrase]] = field(default_factory=dict)
    ordinary_index: dict[str, list[Phrase]] = field(default_factory=dict)

    def sort(self) -> None:
        """Longest first, so "not done" wins over "no" and "nie udało się" over "nie"; then indexed."""
        def key(p: Phrase) -> tuple[int, int]:
            return -len(p), -sum(len(w) for w in p)
        self.worries.sort(key=key)
        self.ordinary.sort(key=key)
        for table in (self.commands, self.answers):
            for phrases in table.values():
                phrases.sort(key=key)
        self.worry_index, self.ordinary_index = by_first_letter(self.worries), by_first_letter(self.ordinary)


def _lines(path: Path) -> Iterator[str]:
    if not path.exists():
        return
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            yield line


def _sections(path: Path, into: dict[str, list[Phrase]]) -> None:
    section = None
    for line in _lines(path):
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip()
            continue
        if section is None:
            raise ValueError(f"{path}: {line!r} is outside a [section]")
        words = phrase(line)
        if words:
            into.setdefault(section, []).append(words)


def load(locale_dir: Path = LOCALE_DIR) -> Lexicon:
    """Every language's lists in `locale_dir` (each language directory holding any of the three files)."""
    lexicon = Lexicon()
    for lang_dir in sorted(p for p in locale_dir.iterdir() if p.is_dir()):
        for line in _lines(lang_dir / "worry_words.txt"):
            if line.startswith("!"):  # ordinary talk is matched exactly: "!shared" must not hide "scared"
                lexicon.ordinary.append(tuple(w if w.startswith("=") else "=" + w for w in phrase(line[1:])))
            elif words := phrase(line):
                lexicon.worries.append(words)
        _sections(lang_dir / "command_words.txt", lexicon.commands)
        _sections(lang_dir / "answer_words.txt", lexicon.answers)
    lexicon.sort()
    return lexicon


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    return load()


# --- commands and answers in words --------------------------------------------------------------------

def _strip_polite(words: list[str | None], polite: list[Phrase]) -> list[str | None]:
    """Drop "please", "por favor", "proszę"... from both ends: "Stop please" is "stop"."""
    changed = True
    while changed and words:
        changed = False
        for p in polite:
            if phrase_at(words, 0, p) and len(p) < len(words):
                words, changed = words[len(p):], True
            elif len(p) < len(words) and phrase_at(words, len(words) - len(p), p):
                words, changed = words[:len(words) - len(p)], True
    return words


def command_word(text: str, typos: bool = True, lex: Lexicon | None = None) -> str | None:
    """The member command a whole message asks for in words ("stop", "Stop please", "darse de baja",
    "wypisz"), or None. Without `typos`, only exact words count (a worry is read before a typo is)."""
    lex = lex or lexicon()
    found: list[str | None] = [t.word for t in tokens(text)]
    if not found or len(found) > 6:
        return None
    words = _strip_polite(found, lex.commands.get("polite", []))
    for name, phrases in lex.commands.items():
        if name == "polite":
            continue
        for p in phrases:
            if len(p) != len(words):
                continue
            if typos and phrase_at(words, 0, p):
                return name
            if not typos and all(w == c.strip("=*") for w, c in zip(words, p, strict=True)):
                return name
    return None


ORDINARY = "ordinary"  # the answer_words.txt section of openings that are no answer ("no worries")


def answer_words(text: str, lex: Lexicon | None = None) -> tuple[str | None, str | None]:
    """("not_done", "I was ill") when the message starts with an answer in words, else (None, None)."""
    lex = lex or lexicon()
    found = tokens(text)
    if not found or text[:found[0].start].strip(" \t\n,.:;!¡¿?-"):
        return None, None  # something that is not a word comes first (an emoji, a quote)
    words: list[str | None] = [t.word for t in found]
    best: tuple[int, str] | None = None
    for answer, phrases in lex.answers.items():
        for p in phrases:
            if (best is None or len(p) > best[0]) and phrase_at(words, 0, p):
                best = (len(p), answer)
    if best is None or best[1] == ORDINARY:
        return None, None
    rest = text[found[best[0] - 1].end:].lstrip(" ,.:;!?¡¿-–—").strip() or None
    return best[1], rest
