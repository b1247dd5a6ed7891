"""Plain-text answers in English and Spanish."""

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
])
def test_parse_answer(text: str, expected: tuple[str | None, str | None]) -> None:
    assert parse_answer(text) == expected
