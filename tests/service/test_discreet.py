"""Discreet mode (a shared phone), set by staff at invite: from the consent request on, nothing the member is
sent shows the family or the plan until they tap Show, and Hide puts the neutral line back."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.conversation import staff_intents as i
from bot.services.staff import member_ids, schedule_meeting
from tests.support.harness import OPERATOR, PLAN, Harness

CASE = ("Rowan", "Collect the children", "Family Centre", "I will call you tomorrow")
NEUTRAL = "You have a message from FamilyTeam."


def readable(h: Harness, chat: str) -> list[str]:
    return [t for t in h.texts(chat) if any(word in t for word in CASE)]


@pytest.mark.storage  # an issue-10 scenario: on PostgreSQL too
async def test_discreet_at_invite_hides_everything_until_show_and_hide_puts_it_back(h: Harness) -> None:
    fid = h.make_family()
    await h.join(fid, "Sue", "sue", "key_safety_person")
    code = h.invite(fid, "Gran", "key_safety_person", discreet=True)
    h.apply(fid, PLAN)
    h.call(lambda ctx: schedule_meeting(ctx, OPERATOR, fid, "review", datetime(2026, 12, 10, 14, 0),
                                        "Family Centre", member_ids(ctx, OPERATOR, fid, ["Gran"])))

    await h.command("gran", "start", code)
    consent = h.inbox("gran")[-1]
    assert consent.text == NEUTRAL and [b.label for row in consent.buttons for b in row] == ["Show"]
    await h.press("gran", "Show")
    assert "Rowan" in consent.text and any(b.label == "I agree" for row in consent.buttons for b in row)
    await h.press("gran", "I agree")
    await h.command("gran", "mine")
    await h.command("gran", "next")
    await h.say("gran", "All fine here")
    assert (await h.staff("anna", i.Reply("I will call you tomorrow", family="Rowan"))).ok
    await h.command("gran", "stop")
    lines = h.inbox("gran")[1:]  # welcome, commitments, meeting, /mine, /next, passed on, staff reply, /stop
    assert len(lines) >= 8, [line.text for line in lines]
    assert readable(h, "gran") == [consent.text], "only the consent request, revealed, shows the family"
    assert all([b.label for row in line.buttons for b in row] == ["Show"] for line in lines), \
        [(line.text, line.buttons) for line in lines]

    reply = lines[-2]
    await h.press("gran", "", data=reply.buttons[0][0].data)
    assert "I will call you tomorrow" in reply.text
    mine = next(line for line in lines if line.text == "Your plan has an update.")
    await h.press("gran", "", data=mine.buttons[0][0].data)
    assert "Collect the children from school" in mine.text
    assert [b.label for row in mine.buttons for b in row] == ["Hide"]
    await h.press("gran", "", data=mine.buttons[-1][0].data)
    assert mine.text == "Your plan has an update." and [b.label for row in mine.buttons for b in row] == ["Show"]
    await h.press("gran", "", data=mine.buttons[0][0].data)  # and again: Show works more than once
    assert "Collect the children from school" in mine.text
    await h.press("sue", "", data=mine.buttons[-1][0].data)  # someone else's Hide button
    assert h.audit()[-1].outcome == "refused" and "Collect the children from school" in mine.text


async def test_staff_invite_to_a_chat_user_asks_for_consent_discreetly(h: Harness) -> None:
    fid = h.make_family()
    outcome = await h.staff("anna", i.Invite(fid, "Gran", "key_safety_person", chat_user="gran", discreet=True))
    assert outcome.ok, outcome.lines
    consent = h.inbox("gran")[-1]
    assert consent.text == NEUTRAL and "Rowan" not in consent.text
    await h.press("gran", "Show")
    await h.press("gran", "I agree")
    welcome = h.inbox("gran")[1]
    assert welcome.text == NEUTRAL and [b.label for row in welcome.buttons for b in row] == ["Show"]
    assert readable(h, "gran") == [consent.text], "only the consent request, revealed, shows the family"
