"""Plan and meeting changes as the network lives them: late joiners, cancellations, short notice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.support.harness import PLAN, Harness

MEETING = """
[[meeting]]
key = "review-1"
kind = "review"
starts = {starts}
place = "Town Hall"
invite = ["Gran", "Sue"]
"""


def reminders(h: Harness, chat: str) -> list[str]:
    return [t for t in h.texts(chat) if t.startswith("Reminder:")]


async def test_a_member_who_joins_after_the_plan_gets_the_meeting_invitation(h: Harness) -> None:
    fid = h.make_family()
    await h.join(fid, "Gran", "gran", "key_safety_person")
    h.invite(fid, "Sue", "key_safety_person")
    h.apply(fid, PLAN + MEETING.format(starts="2026-12-04T10:00:00"))
    assert not h.texts("sue")
    await h.join(fid, "Sue", "sue", "key_safety_person")
    assert any(t.startswith("You are invited: Review meeting") for t in h.texts("sue"))


async def test_invitees_are_told_when_a_meeting_is_cancelled(h: Harness) -> None:
    fid = h.make_family()
    await h.join(fid, "Gran", "gran", "key_safety_person")
    await h.join(fid, "Sue", "sue", "key_safety_person")
    h.apply(fid, PLAN + MEETING.format(starts="2026-12-04T10:00:00"))
    h.apply(fid, PLAN)
    await h.tick()
    assert any(t.startswith("Cancelled: Review meeting") for t in h.texts("gran"))
    await h.advance_to(datetime(2026, 12, 4, 9, 0, tzinfo=UTC), step=timedelta(hours=3))
    assert reminders(h, "gran") == []


async def test_short_notice_meeting_is_not_reminded_straight_after_its_invitation(h: Harness) -> None:
    fid = h.make_family()
    await h.join(fid, "Gran", "gran", "key_safety_person")
    await h.join(fid, "Sue", "sue", "key_safety_person")
    h.apply(fid, PLAN + MEETING.format(starts="2026-11-30T18:00:00"))  # in 10 hours
    await h.advance(timedelta(hours=1))
    assert reminders(h, "gran") == [], "no '24 hours before' reminder for a meeting 10 hours away"
    await h.advance_to(datetime(2026, 11, 30, 16, 5, tzinfo=UTC), step=timedelta(minutes=30))
    assert len(reminders(h, "gran")) == 1, "the 2-hour reminder still goes"


async def test_removing_a_commitment_cancels_its_open_question(h: Harness) -> None:
    fid = h.make_family()
    await h.join(fid, "Gran", "gran", "key_safety_person")
    await h.join(fid, "Sue", "sue", "key_safety_person")
    h.apply(fid, PLAN.replace("BYHOUR=19;BYMINUTE=0", "BYHOUR=11;BYMINUTE=0"))
    await h.advance_to(datetime(2026, 11, 30, 11, 10, tzinfo=UTC))
    assert any(t.startswith("Check-in") for t in h.texts("sue"))
    without_sue = PLAN.split("[[commitment]]\nkey = \"evening-call\"")[0]
    h.apply(fid, without_sue, reason="Sue's evening call is no longer needed")
    await h.advance_to(datetime(2026, 11, 30, 13, 0, tzinfo=UTC))
    assert h.escalations() == [], "a question withdrawn with its commitment never escalates as missed"
    assert {c.state for c in h.checkins() if c.due_at.hour == 11} == {"cancelled"}


async def test_unchanged_plan_is_a_no_op_even_after_an_owner_left(h: Harness) -> None:
    fid = h.make_family()
    await h.join(fid, "Gran", "gran", "key_safety_person")
    await h.join(fid, "Sue", "sue", "key_safety_person")
    first = h.apply(fid, PLAN)
    await h.command("sue", "stop")
    await h.press("sue", "Yes, leave")
    again = h.apply(fid, PLAN)
    assert (again.changed, again.version) == (False, first.version)
    changed = h.apply(fid, PLAN.replace("Take the children", "Bring the children"))
    assert changed.changed and "evening-call" in changed.uncovered, "Sue's commitment stays uncovered"
