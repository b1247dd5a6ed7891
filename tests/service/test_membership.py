"""Leaving (/stop) and being removed: commitments become uncovered, the caseworker is told, check-ins stop,
and a member who has left can no longer act for the family."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.services.context import Actor
from bot.services.errors import NotFound, Refused
from bot.services.membership import remove_member
from bot.services.records import status
from storage.models import ChatIdentity, Checkin, Commitment, Membership
from tests.support.harness import OPERATOR, PLAN, Harness

SCHOOL_RUN_MON = datetime(2026, 11, 30, 15, 30, tzinfo=UTC)
EVENING_CALL_MON = datetime(2026, 11, 30, 19, 0, tzinfo=UTC)


def membership(h: Harness, fid: int, name: str) -> Membership:
    return h.call(lambda ctx: ctx.s.scalars(select(Membership).where(
        Membership.family_id == fid, Membership.name == name)).one())


def commitment(h: Harness, key: str) -> Commitment:
    return h.call(lambda ctx: ctx.s.scalars(select(Commitment).where(Commitment.key == key)).one())


def checkins_of(h: Harness, key: str) -> list[Checkin]:
    return h.call(lambda ctx: list(ctx.s.scalars(
        select(Checkin).join(Commitment, Commitment.id == Checkin.commitment_id)
        .where(Commitment.key == key).order_by(Checkin.due_at))))


def person_of(h: Harness, chat: str) -> int:
    pid = h.call(lambda ctx: ctx.s.scalar(select(ChatIdentity.person_id).where(ChatIdentity.external_id == chat)))
    assert pid is not None
    return int(pid)


def commitment_status(h: Harness, fid: int) -> dict[str, dict[str, object]]:
    return {c["key"]: c for c in h.call(lambda ctx: status(ctx, fid))["commitments"]}


async def network(h: Harness) -> int:
    return await h.network(PLAN)


async def test_stop_leaves_uncovers_cancels_and_tells_the_caseworker(h: Harness) -> None:
    fid = await network(h)
    assert any(c.state == "pending" for c in checkins_of(h, "evening-call"))
    h.clock.advance(timedelta(minutes=10))
    await h.command("sue", "stop")
    await h.press("sue", "Yes, leave")
    assert "You have left the safety network for the Rowan family" in h.last("sue")
    m = membership(h, fid, "Sue")
    assert (m.state, m.left_at) == ("left", h.now)
    assert commitment(h, "evening-call").uncovered_since == h.now
    assert commitment(h, "school-run").uncovered_since is None, "Gran's commitment is still covered"
    # Check-ins nobody was asked yet are withdrawn: none is left pending for the future.
    assert not [c for c in checkins_of(h, "evening-call") if c.due_at > h.now and c.state == "pending"]
    notice = [t for t in h.texts("anna") if "Sue has left" in t]
    assert len(notice) == 1
    assert "uncovered" in notice[0] and "Call Mum at 7" in notice[0]
    assert not any("Sue has left" in t for t in h.texts("gran")), "only the caseworker is told"
    [left] = h.audit("membership.leave")
    assert left.family_id == fid and left.actor == f"person:{person_of(h, 'sue')}"
    st = commitment_status(h, fid)
    assert st["evening-call"]["uncovered"] is True
    assert st["school-run"]["uncovered"] is False
    members = {m["name"]: m["state"] for m in h.call(lambda ctx: status(ctx, fid))["members"]}
    assert members["Sue"] == "left" and members["Gran"] == "active"


async def test_after_stop_no_more_checkins_or_messages_reach_them(h: Harness) -> None:
    fid = await network(h)
    await h.command("sue", "stop")
    await h.press("sue", "Yes, leave")
    sent = len(h.texts("sue"))
    await h.advance_to(EVENING_CALL_MON + timedelta(days=2, hours=2), step=timedelta(hours=1))
    assert len(h.texts("sue")) == sent
    assert not any(c.asked_at is not None for c in checkins_of(h, "evening-call"))
    assert h.escalations() == [], "an uncovered commitment is not a missed check-in"
    assert commitment_status(h, fid)["evening-call"]["uncovered"] is True


async def test_staff_removal_does_the_same(h: Harness) -> None:
    fid = await network(h)
    uncovered = h.call(lambda ctx: remove_member(ctx, OPERATOR, fid, "Gran"))
    assert uncovered == ["Collect the children from school"]
    assert membership(h, fid, "Gran").state == "left"
    assert commitment(h, "school-run").uncovered_since == h.now
    assert all(c.state == "cancelled" for c in checkins_of(h, "school-run") if c.due_at > h.now)
    await h.tick()
    assert any("Gran has left" in t and "Collect the children" in t for t in h.texts("anna"))
    assert [a.actor for a in h.audit("membership.remove")] == [OPERATOR.label]
    assert commitment_status(h, fid)["school-run"]["uncovered"] is True
    await h.advance_to(SCHOOL_RUN_MON + timedelta(hours=1), step=timedelta(hours=1))
    assert not any(t.startswith("Check-in") for t in h.texts("gran"))


async def test_removing_an_invited_member_uncovers_their_commitments(h: Harness) -> None:
    fid = h.make_family()
    await h.join(fid, "Gran", "gran")
    h.invite(fid, "Sue")
    h.apply(fid, PLAN)
    assert h.call(lambda ctx: remove_member(ctx, OPERATOR, fid, "Sue")) == [
        "Call Mum at 7 and check everyone is settled"]
    assert membership(h, fid, "Sue").state == "left"
    assert commitment(h, "evening-call").uncovered_since is not None
    assert commitment_status(h, fid)["evening-call"]["uncovered"] is True


async def test_a_removed_members_unused_invite_no_longer_works(h: Harness) -> None:
    fid = h.make_family()
    await h.join(fid, "Gran", "gran")
    code = h.invite(fid, "Sue")
    h.apply(fid, PLAN)
    h.call(lambda ctx: remove_member(ctx, OPERATOR, fid, "Sue"))
    # The caseworker now lists her as someone to avoid (allowed: she is no longer in the network).
    h.apply(fid, PLAN.replace('people_to_avoid = ["Kevin"]', 'people_to_avoid = ["Kevin", "Sue"]')
            .replace('member = "Sue"', 'member = "Gran"'))
    await h.command("sue", "start", code)
    if h.console.last_with_buttons("sue") is not None:
        await h.press("sue", "I agree")
    assert membership(h, fid, "Sue").state == "left"
    assert h.audit("consent.given")[-1].subject != f"membership:{membership(h, fid, 'Sue').id}"


async def test_removing_staff_or_nobody_is_refused(h: Harness) -> None:
    fid = await network(h)
    with pytest.raises(NotFound):
        h.call(lambda ctx: remove_member(ctx, OPERATOR, fid, "Anna (caseworker)"))
    with pytest.raises(NotFound):
        h.call(lambda ctx: remove_member(ctx, OPERATOR, fid, "Nobody"))
    assert membership(h, fid, "Anna (caseworker)").state == "active"
    assert h.audit("membership.remove") == []


async def test_staff_of_another_family_cannot_remove_a_member(h: Harness) -> None:
    fid = await network(h)
    h.make_family("the Birch family", caseworker="console:bea", caseworker_name="Bea")
    pid = person_of(h, "bea")
    actor = Actor(f"person:{pid}", pid)
    with pytest.raises(Refused):
        h.call(lambda ctx: remove_member(ctx, actor, fid, "Gran"), actor)
    assert membership(h, fid, "Gran").state == "active"
    refused = [a for a in h.audit() if a.outcome == "refused"]
    assert [(a.action, a.family_id) for a in refused] == [("membership.remove", fid)]


async def test_a_member_who_left_cannot_answer_a_checkin(h: Harness) -> None:
    fid = await network(h)
    await h.advance_to(SCHOOL_RUN_MON, step=timedelta(hours=1))
    prompt = h.console.last_with_buttons("gran")
    assert prompt is not None and "Collect the children" in prompt.text
    done = h.console.button("gran", "Done").data
    await h.command("gran", "stop")
    await h.press("gran", "Yes, leave")
    await h.press("gran", "Done", data=done)
    assert "can't do that" in h.last("gran")
    [c] = [c for c in checkins_of(h, "school-run") if c.due_at == SCHOOL_RUN_MON]
    assert c.state != "done" and c.answered_at is None
    refused = [a for a in h.audit() if a.outcome == "refused"]
    assert [a.family_id for a in refused] == [fid]
    await h.say("gran", "done")
    assert c.state != "done"
    assert checkins_of(h, "school-run")[0].answered_at is None


async def test_a_member_cannot_answer_someone_elses_checkin(h: Harness) -> None:
    await network(h)
    await h.advance_to(SCHOOL_RUN_MON, step=timedelta(hours=1))
    done = h.console.button("gran", "Done").data
    await h.press("sue", "Done", data=done)
    assert "can't do that" in h.last("sue")
    assert checkins_of(h, "school-run")[0].state == "pending"
    assert [a.outcome for a in h.audit("checkin.answer")] == []
    assert len([a for a in h.audit() if a.outcome == "refused"]) == 1


async def test_stop_from_a_chat_that_is_not_a_member(h: Harness) -> None:
    await network(h)
    await h.command("stranger", "stop")
    assert "invite" in h.last("stranger")
    assert h.audit("membership.leave") == []


async def test_a_member_in_two_families_leaves_both(h: Harness) -> None:
    fid = await network(h)
    other = h.make_family("the Birch family", caseworker="console:bea", caseworker_name="Bea")
    await h.join(other, "Gran", "gran")
    await h.command("gran", "stop")
    await h.press("gran", "Yes, leave")
    assert membership(h, fid, "Gran").state == "left"
    assert membership(h, other, "Gran").state == "left"
    assert any("Gran has left" in t for t in h.texts("anna"))
    assert any("Gran has left" in t for t in h.texts("bea"))


async def test_rejoining_the_same_day_brings_back_that_days_checkins(h: Harness) -> None:
    fid = await network(h)
    h.clock.advance(timedelta(hours=1))
    await h.command("gran", "stop")  # by mistake
    await h.press("gran", "Yes, leave")
    h.clock.advance(timedelta(hours=1))
    code = h.invite(fid, "Gran", "key_safety_person")
    await h.command("gran", "start", code)
    await h.press("gran", "I agree")
    assert membership(h, fid, "Gran").state == "active"
    assert commitment(h, "school-run").uncovered_since is None
    assert commitment_status(h, fid)["school-run"]["uncovered"] is False
    await h.advance_to(SCHOOL_RUN_MON + timedelta(minutes=5), step=timedelta(hours=1))
    assert any(t.startswith("Check-in") and "Collect" in t for t in h.texts("gran"))


@pytest.mark.slow_alert_repeats
async def test_rejoining_restores_cover_and_later_checkins(h: Harness) -> None:
    fid = await network(h)
    await h.command("gran", "stop")
    await h.press("gran", "Yes, leave")
    await h.advance(timedelta(days=1), step=timedelta(hours=4))
    code = h.invite(fid, "Gran", "key_safety_person")
    await h.command("gran", "start", code)
    await h.press("gran", "I agree")
    assert commitment(h, "school-run").uncovered_since is None
    assert any("Collect the children from school" in t for t in h.texts("gran")[-3:])
    await h.advance_to(SCHOOL_RUN_MON + timedelta(days=2, minutes=5), step=timedelta(hours=1))
    asked = [c.due_at for c in checkins_of(h, "school-run") if c.asked_at is not None]
    assert asked == [SCHOOL_RUN_MON + timedelta(days=2)]
