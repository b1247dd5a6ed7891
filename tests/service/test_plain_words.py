"""People write sentences: a worry in plain words escalates like the Worried button, command words work like
their /commands, and ordinary talk pages nobody and is answered truthfully (end to end through World.say)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from storage.models import Person
from tests.support.harness import PLAN, Harness
from tests.unit.worry_corpus import ORDINARY, WORRIES_EN, WORRIES_ES, WORRIES_PL

STAFF = ("anna", "duty", "sam")
SCHOOL_RUN_MON = datetime(2026, 11, 30, 15, 30, tzinfo=UTC)
WORRY_SAMPLE = WORRIES_EN[:4] + WORRIES_EN[-3:] + WORRIES_ES[:3] + WORRIES_ES[-2:] + WORRIES_PL[:3] + WORRIES_PL[-2:]
ORDINARY_SAMPLE = ORDINARY[:4] + ORDINARY[20:24] + ORDINARY[25:28] + ORDINARY[-5:-2]


def _alerts(h: Harness) -> list[str]:
    return [t for chat in STAFF for t in h.texts(chat) if "Worry raised" in t or "needs attention" in t]


def _staff_lines(h: Harness) -> int:
    return sum(len(h.texts(chat)) for chat in STAFF)


@pytest.mark.parametrize("text", WORRY_SAMPLE)
async def test_a_worry_in_plain_words_escalates_at_once(h: Harness, text: str) -> None:
    await h.network(emergency_number="112")
    await h.say("gran", text)
    [esc] = h.escalations()
    assert (esc.reason, esc.checkin_id, esc.words) == ("worried", None, text), "the whole text is the note"
    assert len(_alerts(h)) == 1, "the caseworker (or duty, out of hours) is alerted now"
    assert text in _alerts(h)[0], "with the member's own words"
    assert "call 112" in h.last("gran"), "the member sees the emergency guidance at once"
    assert [a.action for a in h.audit("worry.raise")] == ["worry.raise"]


@pytest.mark.parametrize("text", ORDINARY_SAMPLE)
async def test_ordinary_talk_pages_nobody_and_waits_for_the_caseworker(h: Harness, text: str) -> None:
    await h.network()  # Monday 08:00: the caseworker starts at 09:00
    staff_before, rows_before = _staff_lines(h), len(h.outbox())
    await h.say("gran", text)
    assert h.escalations() == []
    assert _staff_lines(h) == staff_before, "nobody is paged"
    new = h.outbox()[rows_before:]
    [relayed] = [o for o in new if o.kind == "relay"]
    assert relayed.next_attempt_at == datetime(2026, 11, 30, 9, 0, tzinfo=UTC), "it waits for the morning"
    assert len(new) == 2, "the relay and the reply to the member"
    reply = h.last("gran")
    assert "will reach your caseworker on Mon 30 Nov, 09:00" in reply and "call 999" in reply
    assert "didn't understand" not in reply


async def test_a_worry_answers_the_open_checkin_with_the_whole_text(h: Harness) -> None:
    await h.network(PLAN)
    await h.advance_to(SCHOOL_RUN_MON)
    text = "Picked them up but their dad turned up drunk at the gate"
    await h.say("gran", text)
    [checkin] = [c for c in h.checkins() if c.due_at == SCHOOL_RUN_MON]
    assert (checkin.state, checkin.note) == ("worried", text)
    [esc] = h.escalations()
    assert (esc.reason, esc.checkin_id) == ("worried", checkin.id)
    assert len(_alerts(h)) == 1
    assert any("alert is being sent to the caseworker now" in t and "call 999" in t for t in h.texts("gran"))


async def test_a_worry_typed_as_the_asked_for_note_escalates(h: Harness) -> None:
    await h.network(PLAN)
    await h.advance_to(SCHOOL_RUN_MON)
    await h.press("gran", "Add a note")
    await h.say("gran", "the kids said mum was hitting them")
    [checkin] = [c for c in h.checkins() if c.due_at == SCHOOL_RUN_MON]
    assert (checkin.state, checkin.note) == ("worried", "the kids said mum was hitting them")
    assert len(h.escalations()) == 1 and len(_alerts(h)) == 1


async def test_a_worry_straight_after_an_answer_escalates_like_a_worried_follow_up(h: Harness) -> None:
    await h.network(PLAN)
    await h.advance_to(SCHOOL_RUN_MON)
    await h.press("gran", "Done")
    await h.say("gran", "Dad was shouting at the kids again at the school gate")
    [checkin] = [c for c in h.checkins() if c.due_at == SCHOOL_RUN_MON]
    assert checkin.state == "worried", "like typing 'worried: ...' after an answer"
    assert [e.checkin_id for e in h.escalations()] == [checkin.id] and len(_alerts(h)) == 1


async def test_an_ordinary_note_after_an_answer_is_still_a_note(h: Harness) -> None:
    await h.network(PLAN)
    await h.advance_to(SCHOOL_RUN_MON)
    await h.press("gran", "Done")
    await h.say("gran", "A bit late, the traffic was bad")
    [checkin] = [c for c in h.checkins() if c.due_at == SCHOOL_RUN_MON]
    assert (checkin.state, checkin.note) == ("done", "A bit late, the traffic was bad")
    assert h.escalations() == []
    assert h.last("gran").startswith("Your note has been saved")


@pytest.mark.parametrize("text", ["stop", "STOP", "Stop please", "unsubscribe", "para", "parar", "basta",
                                  "darse de baja", "stop proszę", "wypisz"])
async def test_typed_stop_asks_first_then_leaves_like_the_command(h: Harness, text: str) -> None:
    await h.network(PLAN)
    await h.say("sue", text)
    assert h.last("sue").startswith("Do you want to leave the safety network for the Rowan family?")
    assert h.audit("membership.leave") == [], "nothing happens before the answer"
    await h.press("sue", "Yes, leave")
    assert "You have left the safety network for the Rowan family" in h.last("sue")
    assert [a.action for a in h.audit("membership.leave")] == ["membership.leave"]
    assert any("Sue has left" in t for t in h.texts("anna")), "the caseworker is told"
    assert h.escalations() == []


async def test_no_stay_changes_nothing_and_a_second_yes_finds_nothing_to_leave(hs: Harness) -> None:
    h = hs
    await h.network(PLAN)
    await h.command("gran", "stop")
    yes = h.console.button("gran", "Yes, leave").data
    await h.press("gran", "No, stay")
    assert h.last("gran").startswith("Good. You are still part of the safety network.")
    assert h.audit("membership.leave") == [] and not any("Gran has left" in t for t in h.texts("anna"))
    await h.press("gran", "Yes, leave", data=yes)
    await h.press("gran", "Yes, leave", data=yes)
    assert len(h.audit("membership.leave")) == 1
    assert h.last("gran") == "You are not in a family's safety network at the moment."
    await h.say("gran", "stop")
    assert h.last("gran") == "You are not in a family's safety network at the moment."


@pytest.mark.parametrize(("language", "text", "question", "yes", "left"), [
    ("es", "darse de baja", "¿Quieres salir de la red de seguridad", "Sí, salir", "Saliste de la red"),
    ("pl", "stop proszę", "Czy chcesz opuścić sieć bezpieczeństwa", "Tak, wypisz mnie", "Opuszczono sieć"),
])
async def test_typed_stop_in_the_members_language(hs: Harness, language: str, text: str, question: str, yes: str,
                                                  left: str) -> None:
    h = hs
    await h.network(PLAN)
    await h.command("sue", "language", language)
    await h.say("sue", text)
    assert h.last("sue").startswith(question)
    await h.press("sue", yes)
    assert left in h.last("sue")
    assert any("Sue has left" in t for t in h.texts("anna")), "the caseworker is told in their own language"


@pytest.mark.parametrize(("text", "expected"), [
    ("help", "/mine"),
    ("Ayuda", "/mine"),
    ("pomoc", "/mine"),
    ("mine", "Collect the children from school"),
    ("pause", "Reminders are paused"),
    ("next meeting", "meeting"),
])
async def test_other_command_words(h: Harness, text: str, expected: str) -> None:
    await h.network(PLAN)
    before = len(h.texts("gran"))
    await h.say("gran", text)
    assert any(expected in t for t in h.texts("gran")[before:]), h.texts("gran")[before:]
    assert h.escalations() == []


async def test_a_worry_from_someone_who_left_still_reaches_the_caseworker_named_truthfully(h: Harness) -> None:
    await h.network()
    await h.say("gran", "stop")
    await h.press("gran", "Yes, leave")
    staff_before = _staff_lines(h)
    await h.say("gran", "I'm worried about the kids")
    (esc,) = h.escalations()
    told = h.call(lambda ctx: ctx.s.get_one(Person, esc.chain[0]).display_name)
    assert esc.words == "I'm worried about the kids" and esc.membership_id is not None
    assert f"no longer in the safety network for the Rowan family, but this has been passed on to {told} now" \
        in h.last("gran") and "call 999" in h.last("gran")
    assert "caseworker has been told" not in h.last("gran")
    assert _staff_lines(h) - staff_before >= 1
    assert any("worried about the kids" in t for chat in ("anna", "sam", "duty") for t in h.texts(chat))


@pytest.mark.parametrize(("text", "words"), [
    ("worried: the front door was open", "the front door was open"),  # the answer word as a label
    ("⚠️ he is back", "he is back"),
    ("Martwię się o dzieci", "Martwię się o dzieci"),  # the answer words in a sentence: all of it
    ("estoy preocupada", "estoy preocupada"),
])
async def test_what_a_worry_keeps_as_its_words(h: Harness, text: str, words: str) -> None:
    await h.network()
    await h.say("gran", text)
    assert [e.words for e in h.escalations()] == [words]


async def test_a_typed_answer_in_polish(h: Harness) -> None:
    await h.network(PLAN)
    await h.advance_to(SCHOOL_RUN_MON + timedelta(minutes=5))
    await h.say("gran", "zrobione")
    assert [c.state for c in h.checkins() if c.due_at == SCHOOL_RUN_MON] == ["done"]


async def test_a_worry_after_leaving_does_not_reopen_the_answered_checkin(h: Harness) -> None:
    await h.network(PLAN)
    await h.advance_to(SCHOOL_RUN_MON)
    await h.press("gran", "Done")
    await h.say("gran", "stop")
    await h.press("gran", "Yes, leave")
    await h.say("gran", "worried: he is drunk")  # the check-in she answered is no longer hers to answer
    assert [c.state for c in h.checkins() if c.due_at == SCHOOL_RUN_MON] == ["done"]
    assert [(e.checkin_id, e.words) for e in h.escalations()] == [(None, "he is drunk")], "a worry, not an answer"
    assert "passed on to" in h.last("gran")
