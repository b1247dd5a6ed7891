"""Truthful words: a member is told which role was actually alerted (from the alerts written), told again
once each time the alert moves on to someone new, and told truthfully when nobody could be alerted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.services.covers import set_away
from tests.support.harness import OPERATOR, PLAN, Harness

NIGHT = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)  # Tuesday 3 a.m.: out of hours, no check-in open


def _told(h: Harness, chat: str) -> list[str]:
    return [t for t in h.texts(chat) if "alert is" in t or "could not alert anyone" in t]


async def test_a_worry_at_night_names_duty_then_each_new_holder_once(h: Harness) -> None:
    await h.network(PLAN)
    await h.advance_to(NIGHT)
    await h.say("gran", "worried: Dad is back and he has been drinking")
    (first,) = _told(h, "gran")
    assert "An urgent alert is being sent to the duty team now" in first and "caseworker" not in first
    await h.advance(timedelta(minutes=30))
    assert "now being sent to the caseworker's supervisor as well" in _told(h, "gran")[-1]
    await h.advance_to(NIGHT + timedelta(hours=2))  # round the chain (30 minutes each) and on, with repeats
    told = _told(h, "gran")
    assert len(told) == 3, "once per move to someone new, never per repeat or per round"
    assert "now being sent to the caseworker as well" in told[-1]


@pytest.mark.storage  # an issue-10 scenario: on PostgreSQL too (the night walk above is SQLite only: 3 s there)
async def test_cover_and_nobody_are_said_as_they_are(h: Harness) -> None:
    await h.network(PLAN.replace("BYHOUR=19;BYMINUTE=0", "BYHOUR=11;BYMINUTE=0"), supervisor=None, duty=None)
    h.make_family(alias="the Ash family", caseworker="console:cora", caseworker_name="Cora")
    h.call(lambda ctx: set_away(ctx, OPERATOR, "console:anna", h.now + timedelta(days=3), "console:cora"))
    await h.advance_to(datetime(2026, 11, 30, 11, 0, tzinfo=UTC))
    await h.press("sue", "Not done")  # a bottom line, in working hours, the caseworker away
    assert "urgent alert is being sent to the worker covering for the caseworker now" in h.texts("sue")[-1]
    assert not any("needs attention" in t for t in h.texts("anna")), "the away caseworker gets no alert"

    def block_cora(ctx):  # type: ignore[no-untyped-def]
        from bot.services.people import identity_of

        identity_of(ctx, "console", "cora").blocked_at = ctx.now

    h.call(block_cora)
    await h.advance(timedelta(minutes=1))
    await h.say("gran", "worried: nobody answered the door")
    reply = h.texts("gran")[-1]
    assert "could not alert anyone at the agency" in reply and "call 999" in reply
    assert "has been told" not in reply and "being sent" not in reply
