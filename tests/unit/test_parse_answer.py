"""Plain-text answers in English, Spanish and Polish, with typos and without accents."""

from __future__ import annotations

import pytest

from bot.conversation.text import parse_answer


@pytest.mark.parametrize(("text", "expected"), [
    ("done", ("done", None)),
    ("Yes", ("done", None)),
    ("sí", ("done", None)),
    ("hecho", ("done", None)),
    ("no", ("not_done", None)),
    ("not done, I was ill", ("not_done", "I was ill")),
    ("no hecho, estaba enferma", ("not_done", "estaba enferma")),
    ("worried: the door was open.", ("worried", "the door was open.")),
    ("me preocupa: no contesta", ("worried", "no contesta")),
    ("⚠️ help", ("worried", "help")),
    ("donkey", (None, None)),
    ("nobody came", (None, None)),
    ("", (None, None)),
    # In words, every language, typos and accents forgiven (the lists: messages/locale/*/answer_words.txt).
    ("did it", ("done", None)),
    ("listo!", ("done", None)),
    ("tak", ("done", None)),
    ("Zrobione, wszystko ok", ("done", "wszystko ok")),
    ("gotowe", ("done", None)),
    ("couldn't, the car broke down", ("not_done", "the car broke down")),
    ("no pude", ("not_done", None)),
    ("nie", ("not_done", None)),
    ("nie udalo sie", ("not_done", None)),
    ("Nie udało się: korki", ("not_done", "korki")),
    ("woried: she didn't open the door", ("worried", "she didn't open the door")),
    ("preocupada", ("worried", None)),
    ("Martwię się, nie odbiera", ("worried", "nie odbiera")),
    ("✅", ("done", None)),
    ("❌ the bus was late", ("not_done", "the bus was late")),
    ("no worries", (None, None)),
])
def test_parse_answer(text: str, expected: tuple[str | None, str | None]) -> None:
    assert parse_answer(text) == expected
