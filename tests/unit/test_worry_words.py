"""Worries, commands and answers in plain words (bot.conversation.worry / words), against the corpus in
tests/unit/worry_corpus.py and the word lists in messages/locale/<lang>/*.txt."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.conversation import commands
from bot.conversation.words import (
    ORDINARY,
    answer_words,
    command_word,
    fold,
    lexicon,
    load,
    within_one,
    word_matches,
)
from bot.conversation.worry import is_worry, worry_phrases
from bot.domain.vocabulary import Answer
from messages.catalog import LOCALE_DIR
from tests.unit.worry_corpus import ORDINARY as ORDINARY_MESSAGES
from tests.unit.worry_corpus import WORRIES, WORRIES_EN, WORRIES_ES, WORRIES_PL

LANGUAGES = ("en", "es", "pl")


def test_the_corpus_is_big_enough_and_in_every_language() -> None:
    assert len(WORRIES) >= 40 and len(ORDINARY_MESSAGES) >= 30
    assert min(len(WORRIES_EN), len(WORRIES_ES), len(WORRIES_PL)) >= 10
    assert not set(WORRIES) & set(ORDINARY_MESSAGES)


@pytest.mark.parametrize("text", WORRIES)
def test_every_worry_is_a_worry(text: str) -> None:
    assert is_worry(text), text
    assert worry_phrases(text), "it says which words made it a worry"


@pytest.mark.parametrize("text", ORDINARY_MESSAGES)
def test_ordinary_talk_is_no_worry(text: str) -> None:
    assert not is_worry(text), (text, worry_phrases(text))


@pytest.mark.parametrize("text", [
    "I'M WORRIED ABOUT THE CHILDREN",  # upper case
    "we had a nice day but then he turned up DRUNK",  # at the end
    "preocupación",  # with accents
    "preocupacion",  # without
    "MARTWIĘ SIĘ",
    "pijany ojciec",
    "Ich habe Angst 🆘",  # a sign counts in any language
    "⚠️",
])
def test_case_accents_and_place_do_not_matter(text: str) -> None:
    assert is_worry(text)


def test_empty_and_punctuation_are_no_worry() -> None:
    assert not is_worry("")
    assert not is_worry("?!...")


def test_fold() -> None:
    assert fold("Martwię się") == "martwie sie"
    assert fold("Łódź") == "lodz"
    assert fold("Didn't") == "didnt"
    assert fold("POLICÍA") == "policia"


@pytest.mark.parametrize(("a", "b", "close"), [
    ("worried", "worried", True),
    ("woried", "worried", True),  # a letter dropped
    ("worrried", "worried", True),  # a letter added
    ("wurrind", "worried", False),  # two changed
    ("wroried", "worried", True),  # two swapped
    ("worreid", "worried", True),
    ("sorry", "worry", True),  # one edit apart: word_matches then keeps the first letter
])
def test_within_one(a: str, b: str, close: bool) -> None:
    assert within_one(a, b) is close
    assert within_one(b, a) is close


def test_typos_only_for_long_words_and_never_the_first_letter() -> None:
    assert word_matches("scaared", "scared")
    assert not word_matches("sorry", "worry"), "the first letter is kept"
    assert not word_matches("hat", "hit"), "short words are matched exactly"
    assert not word_matches("doing", "=dying"), "'=' means no typo"
    assert word_matches("drunken", "drunk*") and word_matches("borrachos", "borrach*")
    assert word_matches("preocupda", "preocupad*"), "a stem of 6+ letters tolerates a typo"


# --- commands in words ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["stop", "STOP", "Stop please", "stop.", "unsubscribe", "unsubscibe", "para",
                                  "parar", "Basta", "darse de baja", "Para, por favor", "stop proszę", "wypisz",
                                  "Wypisz mnie"])
def test_stop_words(text: str) -> None:
    assert command_word(text) == "stop"


@pytest.mark.parametrize(("text", "command"), [
    ("help", "help"), ("Ayuda", "help"), ("pomoc", "help"), ("what can you do?", "help"),
    ("pause", "pause"), ("pausa", "pause"), ("pauza", "pause"),
    ("mine", "mine"), ("my commitments", "mine"), ("mis compromisos", "mine"), ("moje zadania", "mine"),
    ("next", "next"), ("next meeting", "next"), ("próxima reunión", "next"), ("następne spotkanie", "next"),
])
def test_other_command_words(text: str, command: str) -> None:
    assert command_word(text) == command


@pytest.mark.parametrize("text", ["please make him stop", "stop it, you are scaring the kids", "thanks", "please",
                                  "", "the bus stop", "para los niños"])
def test_command_words_are_the_whole_message(text: str) -> None:
    assert command_word(text) is None


def test_exact_command_words_leave_typos_to_the_worry_reader() -> None:
    assert command_word("pomocy") == "help"  # "help!" in Polish is one typo from "help"...
    assert command_word("pomocy", typos=False) is None  # ...so exact words are read before worries
    assert is_worry("pomocy")


# --- answers in words ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "answer"), [
    ("yes", "done"), ("done", "done"), ("did it", "done"), ("Did it!", "done"), ("sí", "done"), ("si", "done"),
    ("hecho", "done"), ("listo", "done"), ("lsito", "done"), ("tak", "done"), ("zrobione", "done"),
    ("zrobine", "done"), ("gotowe", "done"),
    ("no", "not_done"), ("not done", "not_done"), ("couldn't", "not_done"), ("couldnt", "not_done"),
    ("no pude", "not_done"), ("nie", "not_done"), ("nie udało się", "not_done"), ("nie udalo sie", "not_done"),
    ("worried", "worried"), ("woried", "worried"), ("preocupado", "worried"), ("preocupada", "worried"),
    ("martwię się", "worried"), ("martwie sie", "worried"),
])
def test_answer_words(text: str, answer: str) -> None:
    assert answer_words(text) == (answer, None)


def test_the_rest_of_the_message_is_the_note() -> None:
    assert answer_words("nie udało się, padał deszcz") == ("not_done", "padał deszcz")
    assert answer_words("No pude: estaba enferma") == ("not_done", "estaba enferma")


@pytest.mark.parametrize("text", ["no worries", "No problem, see you then", "no te preocupes", "nie ma problemu",
                                  "nobody came", "yesterday was fine", "nieważne", "👍 done"])
def test_what_only_looks_like_an_answer(text: str) -> None:
    assert answer_words(text) == (None, None)


# --- the lists -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_language_has_its_lists(lang: str) -> None:
    for name in ("worry_words.txt", "command_words.txt", "answer_words.txt"):
        assert (LOCALE_DIR / lang / name).is_file(), (lang, name)


def test_the_lists_name_real_commands_and_answers() -> None:
    lex = lexicon()
    assert set(lex.commands) - {"polite"} <= set(commands.BY_NAME)
    assert {"stop", "help", "pause", "mine", "next"} <= set(lex.commands)
    assert set(lex.answers) == {a.value for a in Answer} | {ORDINARY}
    assert all(p for p in lex.worries) and len(lex.worries) > 300


def test_a_new_language_is_a_new_directory(tmp_path: Path) -> None:
    (tmp_path / "xx").mkdir()
    (tmp_path / "xx" / "worry_words.txt").write_text("# a comment\nbojim se  # trailing comment\n!ne boj se\n")
    (tmp_path / "xx" / "command_words.txt").write_text("[stop]\nodjava\n")
    lex = load(tmp_path)
    assert is_worry("Bojim se za djecu", lex) and not is_worry("ne boj se", lex)
    assert command_word("odjava", lex=lex) == "stop"


def test_a_phrase_outside_a_section_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "xx").mkdir()
    (tmp_path / "xx" / "command_words.txt").write_text("odjava\n")
    with pytest.raises(ValueError, match="outside a"):
        load(tmp_path)
