"""The caseworker sees the whole picture in the morning: what duty handled overnight and how it stands, "not
done" answers with their notes, late answers, who said no, who cannot be reached."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.ports import Inbound, InboundKind
from tests.support.harness import PLAN, Harness


@pytest.mark.slow_alert_repeats
async def test_the_morning_summary_holds_the_night_and_the_day(h: Harness) -> None:
    fid = await h.network(plan=PLAN)
    code = h.invite(fid, "Tom")
    await h.advance_to(datetime(2026, 11, 30, 15, 30, tzinfo=UTC))
    await h.press("gran", "Not done")
    await h.say("gran", "the bus was cancelled, Sue took them")  # the note straight after the answer
    await h.advance_to(datetime(2026, 11, 30, 21, 0, tzinfo=UTC))  # Sue's 19:00 call missed: an alert
    await h.command("tom-chat", "start", code)
    await h.press("tom-chat", "No thanks")
    await h.advance_to(datetime(2026, 11, 30, 23, 0, tzinfo=UTC))
    await h.say("gran", "worried: shouting next door")  # out of hours: duty first
    await h.press("duty", "Acknowledge")
    await h.send(Inbound("console", "sue", InboundKind.BLOCKED, event_id="sue-blocked"))

    await h.advance_to(datetime(2026, 12, 1, 8, 30, tzinfo=UTC))
    summary = next(t for t in reversed(h.texts("anna")) if "Your daily summary" in t)
    assert "Handled while you were not holding the family:" in summary
    assert "first to the duty team; acknowledged, still open" in summary
    assert "Not done:" in summary and "Gran: Collect the children from school" in summary
    assert "“the bus was cancelled, Sue took them”" in summary
    assert "Tom said no to the invitation" in summary
    assert "Cannot be reached by chat: Sue" in summary
