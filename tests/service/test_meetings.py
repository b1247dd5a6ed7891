"""Meetings from the plan: invitations with Coming / Can't come, reminders 24h and 2h before (once each,
only the latest after downtime), replies, /next in the member's own time zone, cancel and move."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.services.records import status
from storage.models import ChatIdentity, Meeting, MeetingInvitee, Membership, Person
from tests.support.harness import PLAN, Harness

# Tuesday 1 Dec 2026 14:00 in London (= UTC in winter): reminders due Mon 14:00 and Tue 12:00.
STARTS = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
MEETING = '\n[[meeting]]\nkey = "review-1"\nkind = "review"\nstarts = 2026-12-01T14:00:00\n' \
          'place = "Family Centre, Room 2"\ninvite = ["Gran", "Sue"]\n'
WITH_MEETING = PLAN.replace('guards = "sober-care"', "") + MEETING  # meetings only: no alert repeating for days


def reminders(h: Harness, chat: str) -> list[str]:
    return [t for t in h.texts(chat) if t.startswith("Reminder:")]


def invitations(h: Harness, chat: str) -> list[str]:
    return [t for t in h.texts(chat) if t.startswith("You are invited")]


def replies(h: Harness) -> dict[str, str | None]:
    rows = h.call(lambda ctx: list(ctx.s.execute(
        select(Membership.name, MeetingInvitee.reply).join(Membership, Membership.id == MeetingInvitee.membership_id))))
    return {name: reply for name, reply in rows}


def meetings(h: Harness) -> list[Meeting]:
    return h.call(lambda ctx: list(ctx.s.scalars(select(Meeting).order_by(Meeting.id))))


async def network(h: Harness, plan: str = WITH_MEETING) -> int:
    return await h.network(plan, members=(("Gran", "gran", "key_safety_person"), ("Sue", "sue", "key_safety_person"),
                                          ("Tom", "tom", "supporter")))


async def test_plan_meeting_invites_its_invitees_only(h: Harness) -> None:
    await network(h)
    for chat in ("gran", "sue"):
        [invite] = invitations(h, chat)
        assert "Review meeting for the Rowan family" in invite
        assert "Tue 1 Dec, 14:00" in invite and "Family Centre, Room 2" in invite
        line = h.console.last_with_buttons(chat)
        assert line is not None
        assert [b.label for row in line.buttons for b in row] == ["Coming", "Can't come"]
    assert invitations(h, "tom") == [], "Tom is not invited"
    assert replies(h) == {"Gran": None, "Sue": None}


async def test_reminders_24h_and_2h_before_each_once(h: Harness) -> None:
    await network(h)
    await h.advance_to(STARTS - timedelta(hours=24, minutes=15), step=timedelta(hours=1))
    assert reminders(h, "gran") == []
    await h.advance_to(STARTS - timedelta(hours=24), step=timedelta(minutes=15))
    assert len(reminders(h, "gran")) == 1
    assert "Tue 1 Dec, 14:00" in reminders(h, "gran")[0]
    await h.advance_to(STARTS - timedelta(hours=2, minutes=15), step=timedelta(hours=1))
    assert len(reminders(h, "gran")) == 1, "the 24h reminder goes once"
    await h.advance_to(STARTS - timedelta(hours=2), step=timedelta(minutes=15))
    assert len(reminders(h, "gran")) == 2
    await h.advance_to(STARTS + timedelta(hours=3), step=timedelta(minutes=30))
    assert len(reminders(h, "gran")) == 2
    assert len(reminders(h, "sue")) == 2
    assert reminders(h, "tom") == []


async def test_after_downtime_only_the_latest_reminder_goes(h: Harness) -> None:
    await network(h)  # applied and ticked 30h before the meeting
    h.clock.advance(STARTS - timedelta(hours=1) - h.now)  # the bot was down until 1h before
    await h.tick()
    assert len(reminders(h, "gran")) == 1
    await h.tick()
    await h.advance(timedelta(minutes=50), step=timedelta(minutes=10))
    assert len(reminders(h, "gran")) == 1
    assert len(reminders(h, "sue")) == 1


async def test_coming_and_cant_come_are_recorded(h: Harness) -> None:
    fid = await network(h)
    h.clock.advance(timedelta(minutes=5))
    await h.press("gran", "Coming")
    assert "down as coming" in h.last("gran")
    await h.press("sue", "Can't come")
    assert "can't come" in h.last("sue")
    assert replies(h) == {"Gran": "coming", "Sue": "cant_come"}
    replied_at = h.call(lambda ctx: list(ctx.s.scalars(select(MeetingInvitee.replied_at))))
    assert replied_at == [h.now, h.now]
    assert {(a.outcome, a.family_id) for a in h.audit("meeting.reply")} == {("ok", fid)}
    # Changing one's mind is fine.
    await h.press("sue", "Coming")
    assert replies(h)["Sue"] == "coming"


async def test_someone_who_cant_come_gets_no_reminders(h: Harness) -> None:
    await network(h)
    await h.press("sue", "Can't come")
    await h.advance_to(STARTS, step=timedelta(hours=1))
    assert reminders(h, "sue") == []
    assert len(reminders(h, "gran")) == 2


async def test_someone_not_invited_pressing_a_copied_button_is_refused(h: Harness) -> None:
    fid = await network(h)
    copied = h.console.button("gran", "Coming").data
    await h.press("tom", "Coming", data=copied)
    assert "can't do that" in h.last("tom")
    await h.press("stranger", "Coming", data=copied)
    assert "can't do that" in h.last("stranger")
    assert replies(h) == {"Gran": None, "Sue": None}
    refused = [a for a in h.audit() if a.outcome == "refused"]
    assert any(a.action == "meeting.reply" and a.family_id == fid for a in refused)
    assert len(refused) == 2


async def test_a_member_of_another_family_cannot_reply(h: Harness) -> None:
    await network(h)
    other = h.make_family("the Birch family", caseworker="console:bea")
    await h.join(other, "Gran", "birch-gran")
    copied = h.console.button("gran", "Coming").data
    await h.press("birch-gran", "Coming", data=copied)
    assert "can't do that" in h.last("birch-gran")
    assert replies(h) == {"Gran": None, "Sue": None}


async def test_next_shows_the_meeting_in_the_members_own_time_zone(h: Harness) -> None:
    await network(h)

    def to_new_york(ctx: object) -> None:
        pid = ctx.s.scalar(select(ChatIdentity.person_id).where(ChatIdentity.external_id == "gran"))  # type: ignore[attr-defined]
        ctx.s.get_one(Person, pid).timezone = "America/New_York"  # type: ignore[attr-defined]

    h.call(to_new_york)
    await h.command("gran", "next")
    assert "Review meeting" in h.last("gran")
    assert "Tue 1 Dec, 09:00" in h.last("gran"), "14:00 in London is 09:00 in New York"
    assert "Family Centre, Room 2" in h.last("gran")
    await h.command("sue", "next")
    assert "Tue 1 Dec, 14:00" in h.last("sue")
    await h.command("tom", "next")
    assert "No meeting is planned" in h.last("tom")


async def test_next_skips_meetings_that_have_started(h: Harness) -> None:
    await network(h)
    h.clock.advance(STARTS + timedelta(minutes=30) - h.now)
    await h.command("gran", "next")
    assert "No meeting is planned" in h.last("gran")


@pytest.mark.slow_alert_repeats
async def test_a_meeting_removed_from_the_plan_is_cancelled(h: Harness) -> None:
    fid = await network(h)
    copied = h.console.button("gran", "Coming").data
    h.apply(fid, PLAN, reason="review postponed")
    [meeting] = meetings(h)
    assert meeting.cancelled
    await h.advance_to(STARTS + timedelta(hours=1), step=timedelta(hours=1))
    assert reminders(h, "gran") == [] and reminders(h, "sue") == []
    await h.command("gran", "next")
    assert "No meeting is planned" in h.last("gran")
    await h.press("gran", "Coming", data=copied)
    assert "can't do that" in h.last("gran")
    assert replies(h)["Gran"] is None
    assert h.call(lambda ctx: status(ctx, fid))["upcoming_meetings"] == []


async def test_moving_a_meeting_resets_replies_and_reminds_at_the_new_time(h: Harness) -> None:
    fid = await network(h)
    await h.press("gran", "Coming")
    await h.press("sue", "Can't come")
    await h.advance_to(STARTS - timedelta(hours=23), step=timedelta(hours=1))
    assert len(reminders(h, "gran")) == 1
    # Moved to Thursday 3 Dec 10:00: reminders then due Wed 10:00 and Thu 08:00.
    h.apply(fid, WITH_MEETING.replace("2026-12-01T14:00:00", "2026-12-03T10:00:00"), reason="moved")
    await h.tick()
    [meeting] = meetings(h)
    assert meeting.starts_at == datetime(2026, 12, 3, 10, 0, tzinfo=UTC) and not meeting.cancelled
    assert replies(h) == {"Gran": None, "Sue": None}, "a new time needs a new answer"
    assert any("Thu 3 Dec, 10:00" in t for t in invitations(h, "gran"))
    assert any("Thu 3 Dec, 10:00" in t for t in invitations(h, "sue"))
    await h.advance_to(STARTS + timedelta(hours=1), step=timedelta(hours=1))
    assert len(reminders(h, "gran")) == 1, "no reminder for the old time"
    await h.advance_to(datetime(2026, 12, 3, 9, 0, tzinfo=UTC), step=timedelta(hours=1))
    new = [t for t in reminders(h, "sue") if "Thu 3 Dec, 10:00" in t]
    assert len(new) == 2, "Sue could not come at the old time, but is asked again for the new one"
    assert len([t for t in reminders(h, "gran") if "Thu 3 Dec, 10:00" in t]) == 2


async def test_moving_a_meeting_without_a_key_replaces_it(h: Harness) -> None:
    plan = WITH_MEETING.replace('key = "review-1"\n', "")
    fid = await network(h, plan)
    await h.press("gran", "Coming")
    h.apply(fid, plan.replace("2026-12-01T14:00:00", "2026-12-03T10:00:00"), reason="moved")
    await h.tick()
    old, new = meetings(h)
    assert old.cancelled and not new.cancelled
    assert new.starts_at == datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
    await h.command("gran", "next")
    assert "Thu 3 Dec, 10:00" in h.last("gran")
    await h.advance_to(STARTS + timedelta(hours=1), step=timedelta(hours=2))
    assert not any("Tue 1 Dec" in t for t in reminders(h, "gran"))


async def test_invitee_who_left_gets_no_reminders(h: Harness) -> None:
    await network(h)
    await h.command("gran", "stop")
    await h.press("gran", "Yes, leave")
    await h.advance_to(STARTS, step=timedelta(hours=1))
    assert reminders(h, "gran") == []
    assert len(reminders(h, "sue")) == 2
