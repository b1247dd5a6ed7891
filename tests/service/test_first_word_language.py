"""Languages from the first word: a member is spoken to in the invite's language (set by staff) or, without
one, their chat's own (Telegram's language_code), from the consent request on: the confirmation after
consent, their commitments, check-ins, answers, meetings, help and everything after."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from bot.services.invites import create_invite
from messages import catalogues
from tests.support.harness import OPERATOR, Harness

PLAN = """
contingency = "Plan B"
review_by = 2027-02-26

[[bottom_line]]
key = "trzezwosc"
text = "Zero alkoholu przy dzieciach"

[[commitment]]
key = "szkola"
member = "Ana"
text = "Odbiór dzieci ze szkoły"
schedule = "FREQ=DAILY;BYHOUR=15;BYMINUTE=30"
grace = "30m"
guards = "trzezwosc"

[[meeting]]
kind = "review"
starts = 2026-12-01T14:00:00
place = "Centrum"
invite = ["Ana"]
"""


def english_fragments() -> set[str]:
    """Every English source text, cut at its placeholders, in pieces long enough to mean something."""
    found = set()
    for m in catalogues.extract():
        for text in ((m.id,) if isinstance(m.id, str) else m.id):
            found |= {p.strip() for p in re.split(r"\{[^{}]*\}", text) if len(p.strip()) >= 8}
    return found - {"FamilyTeam"}  # the name of the app


ENGLISH = english_fragments()


def english_in(texts: list[str]) -> list[str]:
    return [f"{fragment!r} in {text!r}" for text in texts for fragment in ENGLISH if fragment in text]


AGREE = {"es": "Acepto", "pl": "Zgadzam się"}
STOP_WORDS = {"es": "para", "pl": "wypisz"}


async def _days_as_a_member(h: Harness, chat: str, language: str, code: str, kw: dict[str, str]) -> list[str]:
    await h.command(chat, "start", code, **kw)
    await h.press(chat, AGREE[language])
    await h.advance_to(datetime(2026, 11, 30, 15, 35, tzinfo=UTC))  # asked at 15:30
    await h.press(chat, "✅")
    await h.say(chat, "ok")
    for name in ("mine", "next", "help", "language", "pause", "quiet", "timezone", "discreet"):
        await h.command(chat, name)
    await h.command(chat, "discreet", "off")
    await h.advance_to(datetime(2026, 12, 1, 12, 5, tzinfo=UTC))  # the 2-hour meeting reminder
    await h.advance_to(datetime(2026, 12, 1, 16, 30, tzinfo=UTC))  # missed: the nudge, and an escalation
    await h.say(chat, "zzz qqq")
    await h.say(chat, STOP_WORDS[language])
    lines = h.inbox(chat)
    return [line.text for line in lines] + [b.label for line in lines for row in line.buttons for b in row]


@pytest.mark.parametrize(("language", "how"), [("es", "invite"), ("pl", "invite"), ("es", "chat"), ("pl", "chat")])
async def test_every_message_after_the_first_start_is_in_the_members_language(
        hs: Harness, language: str, how: str) -> None:
    h = hs
    fid = h.make_family(alias="Rowanowie")  # an English-speaking family: nothing comes from the family's language
    if how == "invite":  # staff set the language; the chat says nothing (or something else)
        code = h.call(lambda ctx: create_invite(ctx, OPERATOR, fid, "Ana", "key_safety_person", language).code)
        kw = {"language": "en"} if language == "es" else {}
    else:  # Telegram's language_code of the first /start
        code = h.invite(fid, "Ana", "key_safety_person")
        kw = {"language": f"{language}-{language.upper()}" if language == "pl" else language}
    h.apply(fid, PLAN)
    texts = await _days_as_a_member(h, "ana", language, code, kw)
    assert len(texts) > 20
    assert english_in(texts) == []
    assert h.escalations(), "the scenario reached an escalation (its alert is staff's, in English)"
    assert any("Rowanowie" in t for t in h.texts("anna")), "the caseworker still reads English"
    assert english_in(h.texts("anna")) != []
