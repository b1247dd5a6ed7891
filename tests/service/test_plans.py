"""Applying a plan: versions with author and reason, idempotent re-apply, bad files change nothing,
members hear only about their own commitments, check-ins follow the plan as it is now."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.services.context import Actor
from bot.services.errors import InvalidInput, Refused
from bot.services.plans import apply_plan
from storage.models import BottomLine, ChatIdentity, Checkin, Commitment, Meeting, OutboxMessage, PlanVersion
from tests.support.harness import PLAN, Harness

LONDON = ZoneInfo("Europe/London")
NEW_SCHOOL_RUN = PLAN.replace("FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=15;BYMINUTE=30",
                              "FREQ=WEEKLY;BYDAY=TU,TH;BYHOUR=16;BYMINUTE=0")
GRAN_TEXT_CHANGED = PLAN.replace("Collect the children from school", "Collect the children from school by 3:30")
WITHOUT_EVENING_CALL = PLAN[:PLAN.index('[[commitment]]\nkey = "evening-call"')]
WITHOUT_SCHOOL_RUN = PLAN[:PLAN.index('[[commitment]]\nkey = "school-run"')] + \
    PLAN[PLAN.index('[[commitment]]\nkey = "evening-call"'):]


def versions(h: Harness, fid: int) -> list[PlanVersion]:
    return h.call(lambda ctx: list(ctx.s.scalars(select(PlanVersion).where(PlanVersion.family_id == fid)
                                                 .order_by(PlanVersion.number))))


def checkins_of(h: Harness, key: str) -> list[Checkin]:
    return h.call(lambda ctx: list(ctx.s.scalars(
        select(Checkin).join(Commitment, Commitment.id == Checkin.commitment_id)
        .where(Commitment.key == key).order_by(Checkin.due_at))))


def commitment(h: Harness, key: str) -> Commitment:
    return h.call(lambda ctx: ctx.s.scalars(select(Commitment).where(Commitment.key == key)).one())


def count(h: Harness, model: Any) -> int:
    return h.call(lambda ctx: ctx.s.scalar(select(func.count()).select_from(model)) or 0)


def local(h: Harness, day: int, hour: int, minute: int = 0) -> Any:
    """A London wall-clock time on the given day of December 2026 (30 = Mon 30 Nov)."""
    month = 11 if day == 30 else 12
    return h.now.astimezone(LONDON).replace(month=month, day=day, hour=hour, minute=minute).astimezone(ZoneInfo("UTC"))


def prompts(h: Harness, chat: str, needle: str) -> list[str]:
    return [line.text for line in h.inbox(chat)
            if line.text.startswith(("Check-in", "Sorry this is late: Check-in")) and needle in line.text]


async def network(h: Harness, *, sue_joins: bool = True) -> int:
    fid = h.make_family()
    await h.join(fid, "Gran", "gran", "key_safety_person")
    if sue_joins:
        await h.join(fid, "Sue", "sue", "key_safety_person")
    else:
        h.invite(fid, "Sue", "key_safety_person")
    return fid


# --- versions ----------------------------------------------------------------------------------

async def test_first_apply_is_version_1_with_author_and_reason(h: Harness) -> None:
    fid = await network(h)
    result = h.apply(fid, PLAN, reason="agreed at the family network meeting")
    assert (result.changed, result.version) == (True, 1)
    assert sorted(result.told) == ["Gran", "Sue"]
    assert result.uncovered == []
    [v1] = versions(h, fid)
    assert (v1.number, v1.author, v1.reason) == (1, "cli:scenario", "agreed at the family network meeting")
    assert v1.created_at == h.now
    assert v1.content["people_to_avoid"] == ["Kevin"]
    assert [c["key"] for c in v1.content["commitment"]] == ["school-run", "evening-call"]
    [audit] = h.audit("plan.apply")
    assert audit.family_id == fid and audit.actor == "cli:scenario"
    assert {c.key for c in h.call(lambda ctx: list(ctx.s.scalars(select(Commitment))))} == {
        "school-run", "evening-call"}
    await h.tick()
    assert any("Collect the children from school" in t for t in h.texts("gran"))
    assert any("Call Mum at 7" in t for t in h.texts("sue"))


async def test_reapplying_the_same_file_does_nothing(h: Harness) -> None:
    fid = await network(h)
    h.apply(fid, PLAN, reason="first")
    await h.tick()
    sent = count(h, OutboxMessage)
    texts = {chat: h.texts(chat) for chat in ("gran", "sue", "anna")}
    again = h.apply(fid, "# same plan, re-saved\n" + PLAN + "\n\n", reason="again")
    assert (again.changed, again.version, again.told) == (False, 1, [])
    assert len(versions(h, fid)) == 1
    assert len(h.audit("plan.apply")) == 1
    await h.tick()
    assert count(h, OutboxMessage) == sent
    assert {chat: h.texts(chat) for chat in ("gran", "sue", "anna")} == texts


async def test_a_changed_file_is_version_2_and_version_1_is_kept(h: Harness) -> None:
    fid = await network(h)
    h.apply(fid, PLAN, reason="first")
    h.clock.advance(timedelta(hours=1))
    result = h.apply(fid, PLAN.replace('grace = "45m"', 'grace = "1h"'), reason="more time after school")
    assert (result.changed, result.version) == (True, 2)
    v1, v2 = versions(h, fid)
    assert (v1.reason, v2.reason) == ("first", "more time after school")
    assert v2.created_at == h.now and v2.author == "cli:scenario"
    assert v1.content["commitment"][0]["grace"] == "45m"
    assert v2.content["commitment"][0]["grace"] == "1h"
    assert commitment(h, "school-run").grace_minutes == 60
    # And back to the first text: a new version again (v3), not "unchanged".
    assert h.apply(fid, PLAN, reason="back").version == 3


@pytest.mark.parametrize(("bad", "field"), [
    (PLAN.replace("FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=15;BYMINUTE=30", "FREQ=SOMETIMES"), "commitment[1].schedule"),
    (PLAN.replace('guards = "sober-care"', 'guards = "nope"'), "commitment[2].guards"),
    (PLAN.replace('member = "Sue"', 'member = "Tom"'), "commitment[2].member"),
    (PLAN.replace('people_to_avoid = ["Kevin"]', 'people_to_avoid = ["Kevin", "Sue"]'), "people_to_avoid"),
    (PLAN + '[[meeting]]\nkind = "review"\nstarts = 2026-12-01T11:00:00\ninvite = ["Gran", "Tom"]\n',
     "meeting[1].invite"),
])
async def test_a_bad_first_file_changes_nothing(h: Harness, bad: str, field: str) -> None:
    fid = await network(h)
    await h.tick()
    sent = count(h, OutboxMessage)
    member_texts = {chat: h.texts(chat) for chat in ("gran", "sue")}
    with pytest.raises(InvalidInput) as info:
        h.apply(fid, bad)
    assert count(h, OutboxMessage) == sent
    assert info.value.reason == "bad_plan"
    assert field in info.value.message
    assert re.search(r"line \d+", info.value.message)
    assert versions(h, fid) == []
    assert count(h, Commitment) == 0
    assert count(h, BottomLine) == 0
    await h.advance(timedelta(hours=12), step=timedelta(hours=1))
    assert count(h, Checkin) == 0
    assert {chat: h.texts(chat) for chat in ("gran", "sue")} == member_texts
    assert h.audit("plan.apply") == []


async def test_a_bad_second_file_leaves_the_first_in_force(h: Harness) -> None:
    fid = await network(h)
    h.apply(fid, PLAN)
    await h.tick()
    sent = count(h, OutboxMessage)
    bad = GRAN_TEXT_CHANGED.replace('grace = "1h"', 'grace = "soon"')
    with pytest.raises(InvalidInput):
        h.apply(fid, bad)
    assert [v.number for v in versions(h, fid)] == [1]
    assert commitment(h, "school-run").text == "Collect the children from school"
    assert count(h, OutboxMessage) == sent
    await h.advance_to(local(h, 30, 15, 30), step=timedelta(hours=1))
    assert len(prompts(h, "gran", "Collect the children from school")) == 1


async def test_commitment_for_someone_not_invited_names_line_and_field(h: Harness) -> None:
    fid = await network(h)
    bad = PLAN.replace('member = "Sue"', 'member = "Tom"')
    with pytest.raises(InvalidInput) as info:
        h.apply(fid, bad)
    line = next(n for n, text in enumerate(bad.splitlines(), 1) if 'member = "Tom"' in text)
    assert f"line {line}" in info.value.message
    assert "commitment[2].member" in info.value.message
    assert "Tom" in info.value.message


async def test_commitment_for_a_staff_member_is_refused(h: Harness) -> None:
    fid = await network(h)
    with pytest.raises(InvalidInput) as info:
        h.apply(fid, PLAN.replace('member = "Sue"', 'member = "Anna (caseworker)"'))
    assert "commitment[2].member" in info.value.message


async def test_a_network_member_listed_in_people_to_avoid_is_refused(h: Harness) -> None:
    fid = await network(h, sue_joins=False)  # invited, not joined yet: still in the network
    bad = PLAN.replace('people_to_avoid = ["Kevin"]', 'people_to_avoid = ["Kevin", "sue"]')
    with pytest.raises(InvalidInput) as info:
        h.apply(fid, bad)
    assert "people_to_avoid" in info.value.message
    assert "line 4" in info.value.message
    assert versions(h, fid) == []


async def test_staff_of_another_family_cannot_apply_a_plan(h: Harness) -> None:
    fid = await network(h)
    other = h.make_family("the Birch family", caseworker="console:bea", caseworker_name="Bea",
                          supervisor="console:sb", duty="console:db")
    assert other != fid
    pid = h.call(lambda ctx: ctx.s.scalar(select(ChatIdentity.person_id).where(ChatIdentity.external_id == "bea")))
    actor = Actor(f"person:{pid}", pid)
    with pytest.raises(Refused):
        h.call(lambda ctx: apply_plan(ctx, actor, fid, PLAN, "not mine"), actor)
    assert versions(h, fid) == []
    refused = [a for a in h.audit() if a.outcome == "refused"]
    assert [(a.action, a.family_id, a.actor) for a in refused] == [("plan.apply", fid, f"person:{pid}")]


# --- who is told what ---------------------------------------------------------------------------

async def test_members_are_told_only_about_their_own_changed_commitments(h: Harness) -> None:
    fid = await network(h)
    h.apply(fid, PLAN)
    await h.tick()
    before = {chat: len(h.texts(chat)) for chat in ("gran", "sue")}
    result = h.apply(fid, GRAN_TEXT_CHANGED, reason="clearer")
    await h.tick()
    assert result.told == ["Gran"]
    new_for_gran = h.texts("gran")[before["gran"]:]
    assert len(new_for_gran) == 1
    assert "have changed" in new_for_gran[0]
    assert "Collect the children from school by 3:30" in new_for_gran[0]
    assert "Call Mum" not in new_for_gran[0], "never someone else's commitment"
    assert len(h.texts("sue")) == before["sue"], "Sue's commitments did not change: she hears nothing"


async def test_a_changed_bottom_line_text_alone_tells_nobody(h: Harness) -> None:
    fid = await network(h)
    h.apply(fid, PLAN)
    await h.tick()
    before = {chat: len(h.texts(chat)) for chat in ("gran", "sue")}
    result = h.apply(fid, PLAN.replace("No drinking while caring", "No alcohol while caring"), reason="wording")
    await h.tick()
    assert result.changed and result.told == []
    assert {chat: len(h.texts(chat)) for chat in ("gran", "sue")} == before


async def test_commitment_moved_to_another_member_tells_both_and_asks_the_new_owner(h: Harness) -> None:
    fid = await network(h)
    h.apply(fid, PLAN)
    await h.tick()
    before = {chat: len(h.texts(chat)) for chat in ("gran", "sue")}
    result = h.apply(fid, PLAN.replace('member = "Gran"', 'member = "Sue"'), reason="Gran is away")
    await h.tick()
    assert sorted(result.told) == ["Gran", "Sue"]
    gran_new = h.texts("gran")[before["gran"]:]
    sue_new = h.texts("sue")[before["sue"]:]
    assert len(gran_new) == 1 and "no commitments" in gran_new[0]
    assert len(sue_new) == 1 and "Collect the children" in sue_new[0] and "Call Mum" in sue_new[0]
    await h.advance_to(local(h, 30, 15, 35), step=timedelta(hours=1))
    assert prompts(h, "gran", "Collect") == []
    assert len(prompts(h, "sue", "Collect")) == 1


@pytest.mark.slow_alert_repeats
async def test_people_to_avoid_never_appear_in_a_members_message(h: Harness) -> None:
    fid = await network(h)
    plan = PLAN + '\n[[meeting]]\nkind = "review"\nstarts = 2026-12-01T11:00:00\ninvite = ["Gran", "Sue"]\n'
    h.apply(fid, plan)
    await h.command("gran", "mine")
    await h.command("sue", "next")
    await h.advance_to(local(h, 30, 19, 5), step=timedelta(minutes=30))
    await h.press("sue", "Worried")
    await h.advance_to(local(h, 1, 12, 0), step=timedelta(hours=1))
    for chat in ("gran", "sue"):
        texts = h.texts(chat)
        assert texts
        assert not any("Kevin" in t for t in texts), chat
    assert any("Recorded: Worried" in t for t in h.texts("sue")) and any("invited" in t for t in h.texts("gran"))
    assert not any(i.external_id.lower().startswith("kevin") for i in h.call(
        lambda ctx: list(ctx.s.scalars(select(ChatIdentity))))), "never contacted"


# --- check-ins follow the plan ------------------------------------------------------------------

async def test_commitment_of_someone_not_joined_is_uncovered_until_they_join(h: Harness) -> None:
    fid = await network(h, sue_joins=False)
    result = h.apply(fid, PLAN)
    assert result.uncovered == ["evening-call"]
    assert result.told == ["Gran"]
    assert commitment(h, "evening-call").uncovered_since == h.now
    await h.advance_to(local(h, 30, 21, 0), step=timedelta(hours=1))
    assert checkins_of(h, "evening-call") == []
    assert h.escalations() == [], "no check-in was due, so nothing was missed"
    assert len(checkins_of(h, "school-run")) >= 1
    await h.advance_to(local(h, 1, 10, 0), step=timedelta(hours=2))
    code = h.invite(fid, "Sue", "key_safety_person")
    await h.command("sue", "start", code)
    await h.press("sue", "I agree")
    assert commitment(h, "evening-call").uncovered_since is None
    assert any("Call Mum at 7" in t for t in h.texts("sue")), "told their commitments on joining"
    await h.advance_to(local(h, 1, 19, 5), step=timedelta(hours=1))
    asked = [c for c in checkins_of(h, "evening-call") if c.asked_at is not None]
    assert [c.due_at for c in asked] == [local(h, 1, 19, 0)]
    assert len(prompts(h, "sue", "Call Mum")) == 1


@pytest.mark.slow_alert_repeats
async def test_changing_a_schedule_replaces_the_future_checkins(h: Harness) -> None:
    fid = await network(h)
    h.apply(fid, PLAN)
    await h.advance_to(local(h, 30, 15, 30), step=timedelta(hours=1))
    await h.press("gran", "Done")
    await h.advance_to(local(h, 1, 11, 0), step=timedelta(hours=2))
    old = {c.due_at for c in checkins_of(h, "school-run") if c.state == "pending"}
    assert local(h, 2, 15, 30) in old, "Wednesday's check-in was already written"
    h.apply(fid, NEW_SCHOOL_RUN, reason="new school times")
    await h.tick()
    rows = checkins_of(h, "school-run")
    answered = [c for c in rows if c.state == "done"]
    assert [c.due_at for c in answered] == [local(h, 30, 15, 30)], "what was answered stays"
    pending = [c for c in rows if c.state == "pending"]
    assert local(h, 1, 16, 0) in {c.due_at for c in pending}, "the new schedule's check-ins are written"
    assert all(c.due_at.astimezone(LONDON).strftime("%a %H:%M") in ("Tue 16:00", "Thu 16:00") for c in pending)
    await h.advance_to(local(h, 3, 17, 0), step=timedelta(hours=1))
    asked = sorted(c.due_at for c in checkins_of(h, "school-run") if c.asked_at is not None)
    assert asked == [local(h, 30, 15, 30), local(h, 1, 16, 0), local(h, 3, 16, 0)]
    shown = [t.split("\n")[0] for t in prompts(h, "gran", "Collect")]  # Monday's was edited to its answer
    assert shown == ["Check-in for the Rowan family (Tue 1 Dec, 16:00):",
                     "Check-in for the Rowan family (Thu 3 Dec, 16:00):"]


async def test_removing_a_commitment_stops_its_future_checkins(h: Harness) -> None:
    fid = await network(h)
    h.apply(fid, PLAN)
    await h.tick()
    assert any(c.state == "pending" for c in checkins_of(h, "evening-call"))
    before = len(h.texts("sue"))
    result = h.apply(fid, WITHOUT_EVENING_CALL, reason="Sue moved away")
    assert result.told == ["Sue"]
    await h.advance_to(local(h, 1, 21, 0), step=timedelta(hours=1))
    rows = checkins_of(h, "evening-call")
    assert all(c.asked_at is None and c.state == "cancelled" for c in rows)
    assert prompts(h, "sue", "Call Mum") == []
    assert h.escalations() == []
    assert not commitment(h, "evening-call").active
    new_for_sue = h.texts("sue")[before:]
    assert any("no commitments" in t for t in new_for_sue)
    assert len(prompts(h, "gran", "Collect")) == 1, "Gran's commitment carries on"


async def test_a_commitment_removed_and_put_back_is_asked_again(h: Harness) -> None:
    fid = await network(h)
    h.apply(fid, PLAN)
    await h.tick()
    h.apply(fid, WITHOUT_SCHOOL_RUN, reason="mistake")
    await h.advance(timedelta(hours=1), step=timedelta(minutes=30))
    h.apply(fid, PLAN, reason="put it back")
    await h.advance_to(local(h, 30, 15, 40), step=timedelta(hours=1))
    assert len(prompts(h, "gran", "Collect")) == 1
    assert [c.state for c in checkins_of(h, "school-run") if c.due_at == local(h, 30, 15, 30)] == ["pending"]


async def test_plan_meetings_are_kept_and_unrelated_changes_leave_them_alone(h: Harness) -> None:
    fid = await network(h)
    plan = PLAN + '\n[[meeting]]\nkey = "review-1"\nkind = "review"\nstarts = 2026-12-03T11:00:00\ninvite = ["Gran"]\n'
    h.apply(fid, plan)
    await h.tick()
    invites = [t for t in h.texts("gran") if t.startswith("You are invited")]
    assert len(invites) == 1
    h.apply(fid, plan.replace("Collect the children from school", "Collect the children"))
    await h.tick()
    assert [t for t in h.texts("gran") if t.startswith("You are invited")] == invites
    [meeting] = h.call(lambda ctx: list(ctx.s.scalars(select(Meeting))))
    assert not meeting.cancelled
