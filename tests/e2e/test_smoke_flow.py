"""The heart of it, end to end: join with consent, plan, check-in at its time, answer, escalate."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.support.harness import PLAN, Harness


async def test_join_plan_checkin_answer(h: Harness) -> None:
    fid = h.make_family()
    await h.join(fid, "Gran", "gran", "key_safety_person")
    await h.join(fid, "Sue", "sue", "key_safety_person")
    h.apply(fid, PLAN)
    await h.tick()
    assert any("Collect the children from school" in t for t in h.texts("gran"))
    assert not any("Call Mum" in t for t in h.texts("gran")), "a member sees only their own commitments"
    await h.advance_to(h.now.replace(hour=15, minute=30))
    prompt = h.console.last_with_buttons("gran")
    assert prompt is not None and "Collect the children from school" in prompt.text
    await h.press("gran", "Done")
    assert "Recorded: Done" in h.console.last_with_buttons("gran").text or any(
        "Recorded: Done" in line.text for line in h.inbox("gran"))
    states = {c.state for c in h.checkins() if c.due_at <= h.now}
    assert states == {"done"}


@pytest.mark.storage  # one end-to-end flow on PostgreSQL too
async def test_missed_bottom_line_escalates_to_caseworker(h: Harness) -> None:
    fid = h.make_family()
    await h.join(fid, "Gran", "gran", "key_safety_person")
    await h.join(fid, "Sue", "sue", "key_safety_person")
    h.apply(fid, PLAN)
    # 19:00 check-in with 1h grace; the family's working hours end at 17:00, so duty is told.
    await h.advance_to(h.now.replace(hour=20, minute=5))
    escs = h.escalations()
    assert [e.reason for e in escs] == ["missed"]
    assert any("Bottom line needs attention" in t for t in h.texts("duty"))
    assert not any("Bottom line" in t for t in h.texts("sue")), "escalations never go to family members"
    await h.advance(timedelta(minutes=40))
    assert any("Bottom line needs attention" in t for t in h.texts("sam")), "unacknowledged: next step"
