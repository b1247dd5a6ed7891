"""Edges: a check-in's notes have a stated total limit (checkins.NOTES_TOTAL_MAX, counted in characters,
the same on SQLite and PostgreSQL): a follow-up past it is not appended but passed on to staff as a
message, and the member is told so truthfully."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.services.checkins import NOTE_MAX, NOTES_TOTAL_MAX
from tests.support.harness import PLAN, Harness

SCHOOL_RUN_MON = datetime(2026, 11, 30, 15, 30, tzinfo=UTC)


async def test_follow_up_notes_stop_at_the_total_limit_and_the_rest_is_passed_on(h: Harness) -> None:
    await h.network(plan=PLAN)
    await h.advance_to(SCHOOL_RUN_MON)
    await h.say("gran", "not done")
    for n in range(4):
        await h.say("gran", f"part {n} " + "x" * 3000)
    checkin = next(c for c in h.checkins() if c.due_at <= h.now)
    assert checkin.note is not None and len(checkin.note) <= NOTES_TOTAL_MAX
    assert checkin.note.count("part ") == NOTES_TOTAL_MAX // 3008 == 2
    assert "part 2" not in checkin.note and NOTE_MAX < NOTES_TOTAL_MAX
    assert not h.last("gran").startswith("Your note has been saved"), "not told 'saved' when it was not"
    assert any("part 2" in t for t in h.texts("anna")), "the words past the limit still reach the caseworker"
    assert [a.detail for a in h.audit("checkin.note") if a.outcome == "refused"][:1] == ["notes_full"]
