"""What must never happen (shared/domain.md): case details where the wrong person can read them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.services.errors import Refused
from bot.services.invites import check_invite
from tests.support.harness import PLAN, Harness

STAFF = {"anna", "sam", "duty"}
SECRETS = ["No drinking while caring for the children",  # a bottom line
           "Take the children to Gran's",  # the contingency plan
           "Kevin"]  # a person to avoid


@pytest.mark.slow_alert_repeats
async def test_members_never_see_bottom_lines_contingency_or_others_commitments(h: Harness) -> None:
    fid = h.make_family()
    await h.join(fid, "Gran", "gran", "key_safety_person")
    await h.join(fid, "Sue", "sue", "key_safety_person")
    h.apply(fid, PLAN)
    await h.advance_to(datetime(2026, 11, 30, 15, 30, tzinfo=UTC), step=timedelta(minutes=30))
    await h.say("gran", "worried: the front door was open")
    await h.advance_to(datetime(2026, 12, 1, 21, 0, tzinfo=UTC), step=timedelta(minutes=30))
    assert any("needs attention" in t or "Worry raised" in t for t in h.texts("anna") + h.texts("duty"))
    for member in ("gran", "sue"):
        for text in h.texts(member):
            for secret in SECRETS:
                assert secret not in text, (member, secret)
            assert "needs attention" not in text and "Worry raised" not in text
    assert not any("Call Mum" in t for t in h.texts("gran")), "Gran never sees Sue's commitment"
    assert not any("Collect the children" in t for t in h.texts("sue"))
    escalation_chats = {line.external_id for line in h.console.lines
                        if "needs attention" in line.text or "Worry raised" in line.text}
    assert escalation_chats and escalation_chats <= STAFF


async def test_group_chats_get_nothing_but_a_pointer_to_private_chat(h: Harness) -> None:
    fid = h.make_family()
    code = h.invite(fid, "Gran", "key_safety_person")
    await h.command("-100123", "start", code, private=False)
    await h.say("-100123", "done", private=False)
    texts = h.texts("-100123")
    assert texts and all("only work in private chats" in t for t in texts)
    assert not any("Rowan" in t for t in texts)
    check = h.call(lambda ctx: check_invite(ctx, code, "console", "gran"))
    assert check.problem is None, "the invite was not used up by the group"


async def test_discreet_member_sees_only_a_neutral_line_until_they_tap_show(h: Harness) -> None:
    fid = h.make_family()
    await h.join(fid, "Gran", "gran", "key_safety_person")
    await h.command("gran", "discreet", "on")
    h.apply(fid, PLAN.replace('member = "Sue"', 'member = "Gran"'))
    await h.advance_to(datetime(2026, 11, 30, 15, 30, tzinfo=UTC), step=timedelta(minutes=30))
    prompt = next(line for line in h.inbox("gran") if line.text == "You have a new check-in.")
    assert [b.label for row in prompt.buttons for b in row] == ["Show"]
    await h.press("gran", "Show")
    assert "Collect the children from school" in prompt.text
    assert any(b.label.endswith("Done") for row in prompt.buttons for b in row)
    await h.press("sue", "", data=prompt.buttons[0][0].data)  # someone else's Show button
    assert h.audit()[-1].outcome == "refused"


async def test_people_to_avoid_cannot_be_invited(h: Harness) -> None:
    fid = h.make_family()
    await h.join(fid, "Gran", "gran", "key_safety_person")
    h.apply(fid, PLAN.replace('member = "Sue"', 'member = "Gran"'))
    with pytest.raises(Refused) as refused:
        h.invite(fid, "kevin", "supporter")
    assert refused.value.reason == "person_to_avoid"
    assert h.audit("invite.create")[-1].outcome == "refused"


@pytest.mark.slow_alert_repeats
async def test_discreet_member_answers_leave_nothing_readable_on_the_screen(h: Harness) -> None:
    fid = h.make_family()
    await h.join(fid, "Gran", "gran", "key_safety_person")
    await h.command("gran", "discreet", "on")
    h.apply(fid, PLAN.replace('member = "Sue"', 'member = "Gran"'))
    await h.advance_to(datetime(2026, 11, 30, 15, 30, tzinfo=UTC), step=timedelta(minutes=30))
    await h.say("gran", "worried: he is shouting")
    after = [line.text for line in h.inbox("gran")]
    for text in after[-3:]:
        assert "Collect the children" not in text and "caseworker" not in text, text
    assert "Your answer has been recorded." in after
    assert "Thank you, your message has been passed on." in after
    await h.advance_to(datetime(2026, 12, 6, 18, 0, tzinfo=UTC), step=timedelta(hours=3))
    assert "You have a message from FamilyTeam." in h.texts("gran"), "the weekly note is discreet too"
