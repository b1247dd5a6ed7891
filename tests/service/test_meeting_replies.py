"""Meeting replies: nobody who answered is asked again (Coming gets a plain reminder, Can't come none), and
the caseworker sees the replies as they arrive, in one message updated in place, and in the status."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.services.records import status
from tests.support.harness import PLAN, Harness

STARTS = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)  # Tuesday; reminders due Mon 14:00 and Tue 12:00
MEETING = '\n[[meeting]]\nkey = "review-1"\nkind = "review"\nstarts = 2026-12-01T14:00:00\n' \
          'place = "Family Centre, Room 2"\ninvite = ["Gran", "Sue", "Tom"]\n'
MEMBERS = (("Gran", "gran", "key_safety_person"), ("Sue", "sue", "key_safety_person"), ("Tom", "tom", "supporter"))


def reminders(h: Harness, chat: str) -> list[str]:
    return [t for t in h.texts(chat) if t.startswith("Reminder:")]


def staff_view(h: Harness) -> list[str]:
    return [line.text for line in h.inbox("anna") if line.text.startswith("Review meeting for the Rowan family")]


@pytest.mark.slow_alert_repeats
async def test_replies_are_shown_to_staff_and_never_asked_again(h: Harness) -> None:
    fid = await h.network(PLAN + MEETING, members=MEMBERS)
    [view] = staff_view(h)
    assert view.splitlines()[-3:] == ["Coming: —", "Can't come: —", "Not answered yet: Gran, Sue, Tom"]

    await h.press("gran", "Coming")
    await h.press("sue", "Can't come")
    [view] = staff_view(h)  # the same message, edited in place: no new one
    assert view.splitlines()[-3:] == ["Coming: Gran", "Can't come: Sue", "Not answered yet: Tom"]
    [line] = [line for line in h.inbox("anna") if line.text == view]
    assert line.edited == 2
    [meeting] = h.call(lambda ctx: status(ctx, fid))["upcoming_meetings"]
    assert (meeting["coming"], meeting["cant_come"], meeting["not_answered"]) == (["Gran"], ["Sue"], ["Tom"])

    await h.advance_to(STARTS - timedelta(hours=1), step=timedelta(hours=1))  # both reminders have gone
    assert len(reminders(h, "gran")) == 2
    assert all("Can you come?" not in r and "You said you are coming" in r for r in reminders(h, "gran"))
    assert reminders(h, "sue") == [], "Can't come: no reminders"
    assert len(reminders(h, "tom")) == 2 and all("Can you come?" in r for r in reminders(h, "tom"))
    gran_buttons = [line for line in h.inbox("gran") if line.text.startswith("Reminder:")]
    assert all(not line.buttons for line in gran_buttons), "no Coming / Can't come to press again"

    await h.press("tom", "Coming")  # from the reminder
    [view] = staff_view(h)
    assert view.splitlines()[-3:] == ["Coming: Gran, Tom", "Can't come: Sue", "Not answered yet: —"]
