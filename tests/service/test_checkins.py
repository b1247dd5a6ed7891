"""Check-ins through the real engine: asked at their time, answered, late, duplicate, someone else's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.ports import MediaKind
from storage.models import CheckinAnswer
from tests.support.harness import PLAN, Harness

DAILY_18 = """
contingency = "Call the caseworker."
[[commitment]]
key = "evening"
member = "Gran"
text = "Put the children to bed"
schedule = "FREQ=DAILY;BYHOUR=18;BYMINUTE=0"
grace = "1h"
"""


async def _family(h: Harness, tz: str = "Europe/London", plan: str = PLAN) -> int:
    return await h.network(plan, timezone=tz)


async def test_checkin_is_asked_at_its_time_not_before(h: Harness) -> None:
    await _family(h)
    await h.advance_to(datetime(2026, 11, 30, 15, 25, tzinfo=UTC))
    assert not any(t.startswith("Check-in") for t in h.texts("gran"))
    await h.advance_to(datetime(2026, 11, 30, 15, 30, tzinfo=UTC))
    assert sum(t.startswith("Check-in") for t in h.texts("gran")) == 1
    await h.advance(timedelta(minutes=20))
    assert sum(t.startswith("Check-in") for t in h.texts("gran")) == 1, "asked once"


async def test_button_records_answer_and_edits_the_question(h: Harness) -> None:
    await _family(h)
    await h.advance_to(datetime(2026, 11, 30, 15, 30, tzinfo=UTC))
    h.clock.advance(timedelta(minutes=7))
    await h.press("gran", "Done")
    prompt = next(line for line in h.inbox("gran") if line.history)
    assert prompt.edited == 1
    assert "Recorded: Done at Mon 30 Nov, 15:37" in prompt.text
    assert prompt.buttons == [], "no buttons left"
    assert "To add a note, just send it" in prompt.text
    checkin = next(c for c in h.checkins() if c.state != "pending")
    assert (checkin.state, checkin.late) == ("done", False)
    assert checkin.answered_at == datetime(2026, 11, 30, 15, 37, tzinfo=UTC)


async def test_same_answer_twice_is_recorded_once(h: Harness) -> None:
    await _family(h)
    await h.advance_to(datetime(2026, 11, 30, 15, 30, tzinfo=UTC))
    button = h.console.button("gran", "Done")
    await h.press("gran", "Done", data=button.data)
    await h.press("gran", "Done", data=button.data)
    answers = h.call(lambda ctx: list(ctx.s.scalars(select(CheckinAnswer))))
    assert len(answers) == 1
    assert "We already have your answer" in h.last("gran")


@pytest.mark.storage
async def test_duplicate_delivery_of_the_same_event_has_one_effect(h: Harness) -> None:
    await _family(h)
    await h.advance_to(datetime(2026, 11, 30, 15, 30, tzinfo=UTC))
    button = h.console.button("gran", "Worried")
    await h.press("gran", "Worried", data=button.data, event_id="update-77")
    await h.press("gran", "Worried", data=button.data, event_id="update-77")
    answers = h.call(lambda ctx: list(ctx.s.scalars(select(CheckinAnswer))))
    assert len(answers) == 1
    assert len(h.escalations()) == 1


async def test_answering_someone_elses_checkin_is_refused_and_audited(h: Harness) -> None:
    await _family(h)
    await h.advance_to(datetime(2026, 11, 30, 15, 30, tzinfo=UTC))
    grans_button = h.console.button("gran", "Done")
    await h.press("sue", "Done", data=grans_button.data)
    assert "can't do that" in h.last("sue")
    assert all(c.state == "pending" for c in h.checkins() if c.due_at <= h.now)
    refused = [a for a in h.audit() if a.outcome == "refused"]
    assert refused and refused[-1].detail == "not_yours"


async def test_forged_button_is_refused(h: Harness) -> None:
    await _family(h)
    await h.advance_to(datetime(2026, 11, 30, 15, 30, tzinfo=UTC))
    data = h.console.button("gran", "Done").data
    body, _sig = data.rsplit("~", 1)
    await h.press("gran", "", data=body.replace(".done", ".worried") + "~AAAAAAAAAA")
    assert all(c.state == "pending" for c in h.checkins() if c.due_at <= h.now)
    assert h.audit()[-1].outcome == "refused"


async def test_plain_text_answers_the_open_checkin(h: Harness) -> None:
    await _family(h)
    await h.advance_to(datetime(2026, 11, 30, 15, 30, tzinfo=UTC))
    await h.say("gran", "sí")
    assert [c.state for c in h.checkins() if c.due_at <= h.now] == ["done"]


async def test_text_with_a_note_and_add_note_button(h: Harness) -> None:
    await _family(h)
    await h.advance_to(datetime(2026, 11, 30, 15, 30, tzinfo=UTC))
    await h.say("gran", "not done, I was ill; Sue went instead")
    checkin = next(c for c in h.checkins() if c.due_at <= h.now)
    assert (checkin.state, checkin.note) == ("not_done", "I was ill; Sue went instead")
    await h.say("gran", "They were fine.")  # free text straight after an answer is its note
    checkin = next(c for c in h.checkins() if c.due_at <= h.now)
    assert checkin.note == "I was ill; Sue went instead\nThey were fine."
    assert h.last("gran").startswith("Your note has been saved")


async def test_no_open_checkin(h: Harness) -> None:
    await _family(h)
    await h.say("gran", "done")  # nothing to answer: passed on like any message, and the member told so
    assert "will reach your caseworker on" in h.last("gran")
    await h.say("gran", "what is this?")
    assert "will reach your caseworker on" in h.last("gran"), "who will see it, and when"
    assert "didn't understand" not in h.last("gran")


async def test_late_answer_after_miss_is_marked_late(h: Harness) -> None:
    await _family(h)
    await h.advance_to(datetime(2026, 11, 30, 16, 20, tzinfo=UTC))  # grace 45m ended at 16:15
    checkin = next(c for c in h.checkins() if c.due_at <= h.now)
    assert checkin.state == "missed"
    assert sum(t.startswith("A gentle reminder") for t in h.texts("gran")) == 1
    await h.say("gran", "done")
    checkin = next(c for c in h.checkins() if c.due_at <= h.now)
    assert (checkin.state, checkin.late) == ("done", True)
    assert any("(late)" in line.text for line in h.inbox("gran"))


@pytest.mark.slow_alert_repeats
async def test_ordinary_miss_gets_one_nudge_and_no_escalation(h: Harness) -> None:
    await _family(h)
    await h.advance_to(datetime(2026, 12, 1, 8, 0, tzinfo=UTC), step=timedelta(minutes=15))
    assert sum(t.startswith("A gentle reminder") for t in h.texts("gran")) == 1
    assert [e for e in h.escalations() if e.reason == "missed" and e.checkin_id == h.checkins()[0].id] == []
    # ...and it is in the caseworker's daily summary the next morning.
    await h.advance_to(datetime(2026, 12, 1, 8, 45, tzinfo=UTC))
    summary = [t for t in h.texts("anna") if "daily summary" in t]
    assert summary and "Collect the children from school" in summary[-1]


@pytest.mark.storage
async def test_dst_week_checkins_stay_at_local_time(h: Harness) -> None:
    h.clock.set(datetime(2026, 10, 22, 8, 0, tzinfo=UTC))  # the week London's clocks go back
    await _family(h, plan=DAILY_18)
    await h.advance_to(datetime(2026, 10, 29, 8, 0, tzinfo=UTC), step=timedelta(hours=1))
    dues = [c.due_at for c in h.checkins()]
    from zoneinfo import ZoneInfo

    local = [d.astimezone(ZoneInfo("Europe/London")) for d in dues if d < h.now]
    assert len(local) == 7
    assert {(t.hour, t.minute) for t in local} == {(18, 0)}
    assert {d.hour for d in dues if d < h.now} == {17, 18}, "UTC moved by an hour"


async def test_los_angeles_family_in_the_spring_change(h: Harness) -> None:
    h.clock.set(datetime(2026, 3, 5, 12, 0, tzinfo=UTC))
    await _family(h, tz="America/Los_Angeles", plan=DAILY_18)
    await h.advance_to(datetime(2026, 3, 11, 12, 0, tzinfo=UTC), step=timedelta(hours=1))
    from zoneinfo import ZoneInfo

    local = [c.due_at.astimezone(ZoneInfo("America/Los_Angeles")) for c in h.checkins() if c.due_at < h.now]
    assert [t.day for t in local] == [5, 6, 7, 8, 9, 10]
    assert {(t.hour, t.minute) for t in local} == {(18, 0)}
    prompts = [t for t in h.texts("gran") if t.startswith("Check-in")]
    assert all("18:00" in p for p in prompts)


async def test_member_in_another_time_zone_sees_their_own_time(h: Harness) -> None:
    fid = h.make_family()
    await h.join(fid, "Gran", "gran", "key_safety_person")
    await h.join(fid, "Sue", "sue", "key_safety_person")

    def move_sue(ctx):  # type: ignore[no-untyped-def]
        from bot.services.people import identity_of
        from storage.models import Person

        ident = identity_of(ctx, "console", "sue")
        ctx.s.get(Person, ident.person_id).timezone = "America/New_York"

    h.call(move_sue)
    h.apply(fid, PLAN)
    await h.advance_to(datetime(2026, 11, 30, 19, 0, tzinfo=UTC), step=timedelta(minutes=30))
    prompt = next(t for t in h.texts("sue") if t.startswith("Check-in"))
    assert "14:00" in prompt, "19:00 London is 14:00 in New York"
    due = next(c.due_at for c in h.checkins() if c.due_at <= h.now and c.due_at.hour == 19)
    assert due == datetime(2026, 11, 30, 19, 0, tzinfo=UTC), "the schedule is the family's local time"


async def test_answer_before_the_checkin_is_asked_is_refused(h: Harness) -> None:
    await _family(h)
    await h.tick()
    future = h.checkins()[0]
    from bot.buttons import ButtonAction, make

    data = make(b"test-secret", ButtonAction.CHECKIN, future.id, "done")
    await h.press("gran", "", data=data)
    assert h.checkins()[0].state == "pending"


async def test_member_sets_quiet_hours_and_time_zone(h: Harness) -> None:
    await _family(h)
    await h.command("gran", "quiet", "20:00-09:00")
    assert "Quiet hours set" in h.last("gran")
    await h.command("gran", "timezone", "Mars/Olympus")
    assert "/timezone Europe/Madrid" in h.last("gran")
    await h.command("gran", "timezone", "America/New_York")
    await h.advance_to(datetime(2026, 11, 30, 15, 30, tzinfo=UTC), step=timedelta(minutes=30))
    prompt = next(t for t in h.texts("gran") if t.startswith("Check-in"))
    assert "10:30" in prompt, "15:30 London shown in New York time"
    # Missed at 16:15 UTC = 11:15 New York, outside her quiet hours: the nudge goes at once.
    await h.advance_to(datetime(2026, 11, 30, 16, 30, tzinfo=UTC))
    assert any(t.startswith("A gentle reminder") for t in h.texts("gran"))


async def test_an_answer_survives_a_database_hiccup(hs: Harness) -> None:
    from sqlalchemy.exc import OperationalError

    await _family(hs)
    await hs.advance_to(datetime(2026, 11, 30, 15, 30, tzinfo=UTC))
    router = hs.app.router
    router.retry_delays = (0, 0)
    real_run = hs.app.db.run
    failures = [OperationalError("UPDATE", {}, Exception("database is locked"))]

    async def hiccup(fn):  # type: ignore[no-untyped-def]
        if failures:
            raise failures.pop()
        return await real_run(fn)

    hs.app.db.run = hiccup  # type: ignore[method-assign]
    await hs.say("gran", "done")
    hs.app.db.run = real_run  # type: ignore[method-assign]
    assert [c.state for c in hs.checkins() if c.due_at <= hs.now] == ["done"]


async def test_a_voice_note_or_sticker_gets_asked_to_type(h: Harness) -> None:
    await _family(h)
    await h.say("gran", "", media=MediaKind.STICKER)
    assert "I cannot pass on a sticker: please type" in h.last("gran")
    before = len(h.texts("gran"))
    await h.say("gran", "")  # nothing at all: ignored
    assert len(h.texts("gran")) == before


async def test_the_note_is_acknowledged_in_the_chat_that_wrote_it(h: Harness) -> None:
    """A member on two chats (a new phone, or Telegram and Slack) hears "saved" where they typed the note."""
    from bot.services.people import identity_of, link_identity
    from storage.models import Person

    await _family(h)
    await h.advance_to(datetime(2026, 11, 30, 15, 30, tzinfo=UTC))
    await h.press("gran", "Done")
    h.call(lambda ctx: link_identity(ctx, ctx.s.get_one(Person, identity_of(ctx, "console", "gran").person_id),
                                     "console", "gran-tablet"))  # her newest chat
    await h.say("gran", "They were all happy to see me")
    assert h.last("gran") == "Your note has been saved. Thank you."
    assert not h.texts("gran-tablet"), "nothing about it on the other chat"
