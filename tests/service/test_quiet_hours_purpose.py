"""Quiet hours hold scheduled prompts only (OutboxPurpose.waits_out_quiet_hours): what answers a member's own
action goes at once, whatever the hour; escalations to staff are never held."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.domain.vocabulary import OutboxPurpose
from tests.support.harness import Harness

LATE_PLAN = """
contingency = "Take the children to Gran's and call the caseworker."
review_by = 2027-02-26

[[commitment]]
key = "late-call"
member = "Gran"
text = "Ring the children before bed"
schedule = "FREQ=DAILY;BYHOUR=21;BYMINUTE=30"
grace = "15m"
"""
MEETING = """
[[meeting]]
kind = "family_network"
starts = 2026-12-04T10:00:00
place = "Family Centre"
invite = ["Gran"]
"""
MONDAY_2205 = datetime(2026, 11, 30, 22, 5, tzinfo=UTC)  # London is on UTC in winter


def test_only_scheduled_prompts_and_routine_notices_wait() -> None:
    held = {p for p in OutboxPurpose if p.waits_out_quiet_hours}
    assert {OutboxPurpose.NUDGE, OutboxPurpose.MEETING_REMINDER, OutboxPurpose.WEEKLY_THANKS,
            OutboxPurpose.DAILY_SUMMARY} <= held
    assert not held & {OutboxPurpose.REPLY, OutboxPurpose.COMMITMENTS, OutboxPurpose.JOINED,
                       OutboxPurpose.ESCALATION, OutboxPurpose.ESCALATION_UPDATE, OutboxPurpose.MEETING_REPLIES}


async def test_joining_at_2205_gets_commitments_at_once_and_prompts_still_wait(hs: Harness) -> None:
    h = hs
    fid = h.make_family()
    code = h.invite(fid, "Gran", "key_safety_person")
    h.apply(fid, LATE_PLAN + MEETING)
    await h.advance_to(MONDAY_2205)
    await h.command("gran", "start", code)
    await h.press("gran", "I agree")
    texts = h.texts("gran")
    assert any(t.startswith("Thank you for joining") for t in texts)
    assert any(t.startswith("Your commitments for the Rowan family") and "Ring the children before bed" in t
               for t in texts), "the commitments she just agreed to come at once, not at 08:00"
    assert not any("Family network meeting" in t for t in texts), "a meeting invitation is a routine notice"
    await h.command("gran", "mine")
    assert "Ring the children before bed" in h.texts("gran")[-2] or "Ring the children before bed" in h.last("gran")
    # The check-in question comes at the time she agreed to (21:30); the nudge after a miss waits for 08:00.
    await h.advance_to(datetime(2026, 12, 1, 21, 50, tzinfo=UTC))
    assert any(t.startswith("Check-in") and "Ring the children" in t for t in h.texts("gran"))
    assert not any(t.startswith("A gentle reminder") for t in h.texts("gran")), "the nudge waits out quiet hours"
    await h.advance_to(datetime(2026, 12, 2, 7, 55, tzinfo=UTC))
    assert not any(t.startswith("A gentle reminder") for t in h.texts("gran"))
    await h.advance_to(datetime(2026, 12, 2, 8, 5, tzinfo=UTC))
    assert any(t.startswith("A gentle reminder") for t in h.texts("gran"))
    assert any("Family network meeting" in t for t in h.texts("gran")), "the invitation came in the morning"
