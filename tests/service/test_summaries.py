"""The weekly thank-you to members and the caseworker's daily summary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.conversation.staff_intents import SetSummaryTime
from tests.support.harness import PLAN, Harness


async def _week(h: Harness) -> int:
    """A week of the sample plan without its bottom line: Sue's missed evening calls are ordinary misses here,
    not alerts repeating every 15 minutes all week (those are tests/adapters/test_alerts_never_quiet.py); and
    her call is on Tuesdays and Thursdays, not daily (fewer moments to walk through, the same story)."""
    return await h.network(PLAN.replace('guards = "sober-care"', "").replace("FREQ=DAILY;", "FREQ=WEEKLY;BYDAY=TU,TH;"))


@pytest.mark.storage  # an issue-10 scenario: on PostgreSQL too
async def test_weekly_thank_you_once_on_sunday_evening(h: Harness) -> None:
    """Sunday 18:00: Gran, who collected the children Mon, Wed and Fri, is thanked for exactly that (the one
    commitment named once, with how often, never "3 of 3"); Sue, who missed every evening call, gets a
    gentle word; Anna gets the family's strengths. A week later, Gran's second good week is noticed, and a
    worry she raised that week is not counted against her."""
    await _week(h)
    for day in (0, 2, 4):  # Gran answers Mon, Wed, Fri
        await h.advance_to(datetime(2026, 11, 30, 15, 30, tzinfo=UTC) + timedelta(days=day), step=timedelta(hours=2))
        await h.press("gran", "Done")
    await h.advance_to(datetime(2026, 12, 6, 17, 55, tzinfo=UTC), step=timedelta(hours=2))
    assert not any("this week" in t for t in h.texts("gran"))
    await h.advance_to(datetime(2026, 12, 6, 18, 0, tzinfo=UTC))
    thanks = [t for t in h.texts("gran") if "this week" in t]
    assert thanks == ["Thank you for what you did for the Rowan family this week:\n"
                      "• Collect the children from school: 3 times\nIt makes a real difference."]
    sue = [t for t in h.texts("sue") if "This week" in t]
    assert len(sue) == 1 and "hard one" in sue[0], "Sue missed every evening call: still thanked, gently"
    strengths = [t for t in h.texts("anna") if t.startswith("Strengths this week in the Rowan family")]
    assert len(strengths) == 1 and "Collect the children from school: 3 times" in strengths[0]
    assert "Sue: nothing kept this week" in strengths[0]
    assert not any(" of " in t and "commitments" in t for t in thanks + strengths), "no scores"
    await h.advance(timedelta(hours=6), step=timedelta(hours=1))
    assert len([t for t in h.texts("gran") if "this week" in t]) == 1

    # The next week: done Monday, worried Wednesday, done Friday.
    await h.advance_to(datetime(2026, 12, 7, 15, 30, tzinfo=UTC), step=timedelta(hours=2))
    await h.press("gran", "Done")
    await h.advance_to(datetime(2026, 12, 9, 15, 30, tzinfo=UTC), step=timedelta(hours=2))
    await h.press("gran", "Worried")
    await h.press("anna", "Acknowledge")  # Anna takes it (the alert would otherwise repeat all week)
    await h.advance_to(datetime(2026, 12, 11, 15, 30, tzinfo=UTC), step=timedelta(hours=2))
    await h.press("gran", "Done")
    await h.advance_to(datetime(2026, 12, 13, 18, 0, tzinfo=UTC), step=timedelta(hours=2))
    second = [t for t in h.texts("gran") if "this week" in t][-1]
    assert "Collect the children from school: 2 times" in second and "That is 2 weeks in a row." in second


async def test_weekly_thank_you_is_not_sent_days_late_after_downtime(h: Harness) -> None:
    await _week(h)
    await h.tick()
    h.clock.set(datetime(2026, 12, 8, 12, 0, tzinfo=UTC))  # down over the whole of Sunday evening and Monday
    await h.tick()
    assert not any("This week" in t for t in h.texts("gran"))


async def test_daily_summary_lists_misses_uncovered_and_meetings(h: Harness) -> None:
    fid = h.make_family()
    await h.join(fid, "Gran", "gran", "key_safety_person")
    h.invite(fid, "Sue", "key_safety_person")  # invited, never joined: her commitment is uncovered
    h.apply(fid, PLAN + """
[[meeting]]
kind = "review"
starts = 2026-12-03T10:00:00
place = "Town Hall"
invite = ["Gran"]
""")
    await h.advance_to(datetime(2026, 12, 1, 8, 30, tzinfo=UTC), step=timedelta(minutes=30))
    summaries = [t for t in h.texts("anna") if "daily summary" in t]
    assert len(summaries) == 2, "Monday's and Tuesday's, 08:30 each"
    summary = summaries[-1]
    assert "Collect the children from school" in summary, "Monday's ordinary miss"
    assert "Uncovered commitments" in summary and "Call Mum at 7" in summary
    assert "Review meeting" in summary
    await h.advance(timedelta(hours=3), step=timedelta(hours=1))
    assert len([t for t in h.texts("anna") if "daily summary" in t]) == 2


async def test_after_the_summary_time_moves_the_next_summary_starts_where_the_last_one_ended(hs: Harness) -> None:
    """Anna's 08:30 summary on Tuesday told her about Monday's missed school run and Monday night's alert. She
    moves her summary to 10:15; Wednesday's starts where Tuesday's ended (08:30), so it tells her about
    Tuesday night's alert, and not Monday's things again."""
    await hs.network(PLAN)
    await hs.advance_to(datetime(2026, 12, 1, 9, 0, tzinfo=UTC), step=timedelta(hours=1))
    tuesday = [t for t in hs.texts("anna") if "daily summary" in t][-1]
    assert "Collect the children from school (Mon 30 Nov, 15:30)" in tuesday
    assert "bottom line at Mon 30 Nov, 20:00" in tuesday
    await hs.staff("anna", SetSummaryTime(at="10:15"))
    await hs.advance_to(datetime(2026, 12, 2, 10, 20, tzinfo=UTC), step=timedelta(hours=1))
    wednesday = [t for t in hs.texts("anna") if "daily summary" in t][-1]
    assert wednesday != tuesday and "since Tue 1 Dec, 08:30" in wednesday
    assert "bottom line at Tue 1 Dec, 20:00" in wednesday
    assert "Mon 30 Nov" not in wednesday, "nothing from before Tuesday's summary told again"
