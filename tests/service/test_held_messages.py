"""Messages held for quiet hours or a pause, and chats that come back: nothing stale, nothing to the wrong person."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.services.membership import remove_member
from tests.support.harness import OPERATOR, PLAN, Harness

MEETING = """
[[meeting]]
kind = "family_network"
starts = 2026-12-04T10:00:00
place = "Family Centre"
invite = ["Gran", "Sue"]
"""


async def test_someone_removed_gets_nothing_that_was_held_for_them(h: Harness) -> None:
    fid = await h.network()
    await h.command("sue", "pause", "3d")
    h.apply(fid, PLAN + MEETING)
    await h.tick()
    assert not any("Family network meeting" in t for t in h.texts("sue")), "held by the pause"
    h.call(lambda ctx: remove_member(ctx, OPERATOR, fid, "Sue"))
    await h.advance_to(datetime(2026, 12, 3, 12, 0, tzinfo=UTC), step=timedelta(hours=6))
    assert not any("Family network meeting" in t or "Your commitments for" in t for t in h.texts("sue"))
    assert {o.last_error for o in h.outbox() if o.state == "failed"} >= {"left the network"}


@pytest.mark.slow_alert_repeats
async def test_answering_cancels_a_nudge_still_held(h: Harness) -> None:
    await h.network(PLAN)
    await h.command("gran", "pause", "2d")
    await h.advance_to(datetime(2026, 11, 30, 16, 30, tzinfo=UTC), step=timedelta(minutes=30))
    assert not any(t.startswith("A gentle reminder") for t in h.texts("gran")), "held by the pause"
    await h.say("gran", "done")
    await h.advance_to(datetime(2026, 12, 2, 12, 0, tzinfo=UTC), step=timedelta(hours=3))
    assert not any(t.startswith("A gentle reminder") for t in h.texts("gran")), "answered: never sent"
    edits = [line for line in h.inbox("gran") if line.edited]
    assert edits and "Recorded: Done" in edits[-1].text


async def test_a_blocked_chat_that_writes_again_is_reachable_again(h: Harness) -> None:
    await h.network(PLAN)

    def block(ctx):  # type: ignore[no-untyped-def]
        from bot.services.people import identity_of

        identity_of(ctx, "console", "gran").blocked_at = ctx.now

    h.call(block)
    await h.command("gran", "help")
    assert h.audit("identity.unblocked")
    await h.advance_to(datetime(2026, 11, 30, 15, 30, tzinfo=UTC), step=timedelta(minutes=30))
    assert any(t.startswith("Check-in") for t in h.texts("gran"))
