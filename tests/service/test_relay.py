"""Nothing a member writes is lost: it is kept, passed on to the staff who hold the family (in one thread
per member, held for their working hours unless it is a worry), and staff answer in that thread, with the
Reply button or by family name; the member reads it marked with the replier's role. Edits, forwards and
media keep their meaning; bad input is answered plainly (end to end through World)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.conversation import staff_intents as i
from bot.ports import MediaKind
from bot.services.records import export
from storage.models import ConversationMessage
from tests.support.harness import PLAN, Harness

NINE = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
SCHOOL_RUN_MON = datetime(2026, 11, 30, 15, 30, tzinfo=UTC)


def _messages(h: Harness) -> list[ConversationMessage]:
    return h.call(lambda ctx: list(ctx.s.scalars(select(ConversationMessage).order_by(ConversationMessage.id))))


def _root_ref(h: Harness, chat: str, member: str) -> str:
    """The console ref of the first relayed message from `member` in `chat` (the thread's root)."""
    return next(line.ref for line in h.inbox(chat) if line.text.startswith(f"{member} wrote") and not line.thread_ref)


async def test_an_ordinary_message_waits_for_the_morning_then_staff_answer_in_its_thread(h: Harness) -> None:
    fid = await h.network(emergency_number="112")  # Monday 08:00; the caseworker's day starts at 09:00
    anna_before = len(h.texts("anna"))
    await h.say("gran", "Thanks for sorting the school run, see you Tuesday", message_ref="m1")
    assert len(h.texts("anna")) == anna_before, "nobody is paged for a thank-you"
    reply = h.last("gran")
    assert "will reach your caseworker on Mon 30 Nov, 09:00" in reply and "call 112" in reply
    [row] = _messages(h)
    assert (row.family_id, row.text, row.taken_as, row.language, row.edited, row.forwarded, row.media) == (
        fid, "Thanks for sorting the school run, see you Tuesday", "relayed", "en", False, False, None)
    [audited] = h.audit("message.in")
    assert "Thanks" not in (audited.detail or "") and audited.subject == f"message:{row.id}", "audit without the text"

    await h.advance_to(NINE)
    relayed = h.last("anna")
    assert relayed.startswith("Gran wrote (Mon 30 Nov, 08:00):") and "> Thanks for sorting" in relayed
    assert "waited for the morning" in relayed and "Reply in this thread" in relayed
    root = _root_ref(h, "anna", "Gran")

    h.clock.set(NINE + timedelta(minutes=30))  # in working hours: at once, in the same thread
    await h.say("gran", "Kids are asleep early tonight")
    assert "has been passed on to your caseworker" in h.last("gran")
    assert (h.inbox("anna")[-1].thread_ref, h.inbox("anna")[-1].text.startswith("Gran wrote")) == (root, True)

    await h.say("anna", "Thank you Gran, that is good to hear", thread=root)  # a reply in the thread
    assert h.last("gran").startswith("Message from your caseworker:\nThank you Gran, that is good to hear")
    assert h.inbox("anna")[-1].thread_ref == root and h.last("anna").startswith("Sent to Gran")

    outcome = await h.staff("anna", i.Reply("I will call you tomorrow", family="Rowan", sign=True))
    assert outcome.ok and outcome.lines == ["Sent to Gran. It is kept in the family's record."]
    assert h.last("gran").startswith("Message from your caseworker (Anna):\nI will call you tomorrow")

    await h.press("anna", "Reply")  # the Reply button on the relayed message: the next text is the answer
    assert h.last("anna").startswith("Write your reply to Gran")
    await h.say("anna", "See you at the meeting")
    assert "See you at the meeting" in h.last("gran")

    out = [m for m in _messages(h) if m.direction == "to_member"]
    assert [(m.author_role, m.signed) for m in out] == [("caseworker", False), ("caseworker", True),
                                                         ("caseworker", False)]
    record = h.call(lambda ctx: export(ctx, fid))["conversation"]
    assert [m["text"] for m in record][-1] == "See you at the meeting" and len(record) == 5
    assert [a.detail for a in h.audit("relay.reply")] == ["caseworker"] * 3


async def test_only_staff_of_the_family_can_reply(h: Harness) -> None:
    await h.network()
    other = h.make_family("the Ash family", caseworker="console:bob", caseworker_name="Bob")
    assert other
    h.clock.set(NINE)
    await h.say("gran", "Can someone ring me about Friday?")
    [row] = _messages(h)
    outcome = await h.staff("bob", i.Reply("Hello Gran", message_id=row.id))
    assert not outcome.ok and "not assigned to this family" in outcome.problem
    assert not any("Hello Gran" in t for t in h.texts("gran"))
    assert [a.outcome for a in h.audit("relay.reply")] == ["refused"]
    await h.say("bob", "hello", thread=_root_ref(h, "anna", "Gran"))  # not his thread: a hint, nothing sent
    assert "reply in their thread" in h.last("bob")


async def test_away_caseworker_the_duty_team_reads_it_and_says_so(h: Harness) -> None:
    await h.network()
    h.clock.set(NINE + timedelta(hours=1))
    await h.staff("anna", i.Away(until=(NINE + timedelta(days=3)).date(), cover=None))
    await h.say("sue", "Mum asked if the meeting is still on")
    assert "has been passed on to the duty team" in h.last("sue")
    assert h.last("duty").startswith("Sue wrote")
    reply = await h.staff("duty", i.Reply("Yes, Thursday at 10", family="Rowan"))
    assert reply.ok and h.last("sue").startswith("Message from the duty worker:")


async def test_a_worry_escalates_is_kept_and_its_copy_is_in_the_alerted_persons_thread(h: Harness) -> None:
    await h.network()
    h.clock.set(datetime(2026, 11, 30, 23, 0, tzinfo=UTC))  # out of hours: duty first
    await h.say("sue", "Mum is drunk again and the kids are there")
    [esc] = h.escalations()
    [row] = _messages(h)
    assert (row.taken_as, esc.message_id) == ("worry", row.id)
    assert any("Worry raised" in t for t in h.texts("duty"))
    assert "(a worry: escalated, see the alert)" in h.last("duty")
    assert not any("Sue wrote" in t for t in h.texts("anna")), "the caseworker is not paged at night"


async def test_forwards_are_never_answers_and_a_forwarded_worry_escalates_labelled(h: Harness) -> None:
    await h.network(PLAN)
    await h.advance_to(SCHOOL_RUN_MON)  # Gran is asked about the school run
    await h.say("gran", "done", forwarded_from="Mark")
    [checkin] = [c for c in h.checkins() if c.due_at == SCHOOL_RUN_MON]
    assert checkin.state == "pending", "a forwarded 'done' is someone else's words, not Gran's answer"
    assert "(forwarded by Gran, from Mark)" in h.last("anna")
    await h.say("gran", "he is drunk and shouting at the kids", forwarded_from="")
    [esc] = h.escalations()
    assert esc.checkin_id is None and checkin.state == "pending"
    assert any("Their words: (forwarded by Gran) he is drunk" in t for t in h.texts("anna"))
    assert [m.forwarded for m in _messages(h)] == [True, True]


async def test_edits_update_a_note_or_escalate_and_staff_see_edited(h: Harness) -> None:
    await h.network(PLAN)
    await h.advance_to(SCHOOL_RUN_MON)
    await h.say("gran", "done")
    await h.say("gran", "They were fine", message_ref="41")
    await h.say("gran", "They were fine, a bit tired", message_ref="41", edited=True)
    assert h.last("gran").startswith("Your note has been updated")
    [checkin] = [c for c in h.checkins() if c.due_at == SCHOOL_RUN_MON]
    assert checkin.note == "They were fine, a bit tired"
    notes = [m for m in _messages(h) if m.taken_as == "note"]
    assert [(m.text, m.edited, m.edit_of) for m in notes] == [("They were fine", False, None),
                                                              ("They were fine, a bit tired", True, notes[0].id)]
    await h.say("gran", "see you later", message_ref="42")
    await h.say("gran", "worried: dad came back drunk", message_ref="42", edited=True)
    [esc] = h.escalations()
    assert any("Their words: (edited) dad came back drunk" in t for t in h.texts("anna"))
    assert esc.message_id == _messages(h)[-1].id


async def test_media_get_a_clear_reply_and_staff_are_told(h: Harness) -> None:
    await h.network(PLAN)
    h.clock.set(NINE)
    await h.say("sue", "", media=MediaKind.VOICE)
    assert h.last("sue").startswith("Please type your message: I cannot pass on voice notes.")
    assert "I have told your caseworker that a voice note arrived" in h.last("sue")
    assert "Sue sent a voice note: please call them back." in h.last("anna")
    await h.say("sue", "", media=MediaKind.LOCATION)
    assert "I cannot pass on a location" in h.last("sue") and "Sue sent a location" in h.last("anna")
    await h.advance_to(SCHOOL_RUN_MON)
    await h.say("gran", "done", media=MediaKind.PHOTO)  # a caption is read as text
    [checkin] = [c for c in h.checkins() if c.due_at == SCHOOL_RUN_MON]
    assert checkin.state == "done"
    assert "Gran sent a photo (not shown here)." in h.last("anna")
    assert [m.media for m in _messages(h)] == ["voice", "location", "photo"]


async def test_bad_input(h: Harness) -> None:
    await h.network()
    h.clock.set(NINE)
    before = len(h.texts("gran"))
    await h.say("gran", "   ")
    assert len(h.texts("gran")) == before and _messages(h) == [], "empty: ignored, nothing stored"

    await h.say("gran", "x" * 2000)
    [row] = _messages(h)
    assert (len(row.text), row.length) == (2000, 2000), "kept whole"
    assert "(cut here: 2000 characters in all; the whole message is in the family's record)" in h.last("anna")

    await h.say("gran", "y" * 5000)
    long = _messages(h)[-1]
    assert (len(long.text), long.length, long.taken_as) == (4000, 5000, "too_long")
    assert "too long to keep (5000 characters; at most 4000)" in h.last("gran")
    assert "I have told your caseworker that a long message arrived" in h.last("gran")
    assert "too long to keep whole" in h.last("anna")

    await h.say("gran", "Дети в порядке, спасибо")
    assert _messages(h)[-1].language is None and "(language not recognised)" in h.last("anna")

    await h.say("stranger", "hello, is this about the Rowan family?")
    assert "you need an invite" in h.last("stranger") and len(_messages(h)) == 3, "nothing stored, nothing relayed"
