"""The caseworker sees the whole picture, told as she would tell it: Anna was away on Monday afternoon, back
on Tuesday at 08:00, nobody covering (the duty team held the family). Sue asked duty something at 16:30 and
was answered; Gran said she is coming to Thursday's review; Sue wrote again at 22:30 (held for the morning);
at 23:00 Gran was worried, and duty acknowledged and resolved it with a note. On Tuesday morning Anna's
summary names each of these, and the family's handover thread in her chat holds one reply listing what duty
handled. On Wednesday, with nothing handled, the thread gets nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import update

from bot.conversation import staff_intents as i
from bot.ports import ChatLine
from bot.services.covers import set_away
from storage.models import OutboxMessage
from tests.support.harness import OPERATOR, PLAN, Harness

QUIET_PLAN = PLAN.replace('guards = "sober-care"', "") + """
[[meeting]]
kind = "review"
starts = 2026-12-03T10:00:00
place = "Town Hall"
invite = ["Gran", "Sue"]
"""

def _at(hour: int, minute: int = 0, day: int = 30) -> datetime:
    month = 11 if day >= 30 else 12
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def _thread(h: Harness) -> tuple[ChatLine, list[ChatLine]]:
    """The Rowan family's handover thread in Anna's chat: its root and the replies under it."""
    [root] = [line for line in h.inbox("anna") if line.text.startswith("the Rowan family: handovers")]
    return root, [line for line in h.inbox("anna") if line.thread_ref == root.ref]


@pytest.mark.storage
async def test_what_duty_handled_overnight_reaches_the_caseworker_in_the_morning(h: Harness) -> None:
    await h.network(QUIET_PLAN)
    h.call(lambda ctx: set_away(ctx, OPERATOR, "console:anna", _at(8, day=1), None, starts=_at(12)))

    await h.advance_to(_at(16, 30))
    await h.say("sue", "Is the review on Thursday still at the Town Hall?")
    assert "passed on to the duty team" in h.last("sue")
    assert (await h.staff("duty", i.Reply("Yes, Thursday at 10, Town Hall", family="Rowan"))).ok
    await h.advance_to(_at(18))
    await h.press("gran", "Coming")
    await h.advance_to(_at(22, 30))
    await h.say("sue", "Can I bring my daughter to the meeting on Thursday?")  # held for duty's morning
    await h.advance_to(_at(23))
    await h.say("gran", "worried: shouting next door")  # out of hours: duty first
    await h.press("duty", "Acknowledge")
    await h.press("duty", "Resolve")
    await h.say("duty", "Called Gran: the neighbours, police attended; children asleep and fine")

    await h.advance_to(_at(8, 30, day=1))  # Tuesday: Anna is back, her summary comes
    summary = next(t for t in reversed(h.texts("anna")) if "Your daily summary" in t)
    assert "Handled while you were not holding the family:" in summary
    assert "Worried at Mon 30 Nov, 23:00: first to the duty team; resolved" in summary
    assert "Outcome: “Called Gran: the neighbours, police attended; children asleep and fine”" in summary
    assert "Mon 30 Nov, 16:30: Sue wrote to the duty team (answered by the duty team)" in summary
    assert "Mon 30 Nov, 22:30: Sue wrote to the duty team (no reply yet)" in summary
    assert "Meeting replies:\n  • Gran: coming — Review meeting, Thu 3 Dec, 10:00" in summary
    assert "Town Hall?" not in summary and "my daughter" not in summary, "facts, not the members' words"

    await h.advance_to(_at(8, 31, day=1))  # the reply follows its thread's root by a moment
    root, replies = _thread(h)
    assert root.thread_ref is None
    [handover] = [line.text for line in replies]
    assert handover.startswith("Handed over for the Rowan family:")
    for fact in ("Worried at Mon 30 Nov, 23:00: first to the duty team; resolved",
                 "16:30: Sue wrote to the duty team (answered by the duty team)",
                 "22:30: Sue wrote to the duty team (no reply yet)"):
        assert fact in handover
    assert "Meeting replies" not in handover, "a reply to a meeting is not something someone handled"

    await h.advance_to(_at(8, 30, day=2))  # Wednesday: nothing handled by anyone else
    summaries = [t for t in h.texts("anna") if "Your daily summary" in t]
    assert len(summaries) == 3, "Mon, Tue and Wed"
    assert "Handled while" not in summaries[-1] and "Meeting replies" not in summaries[-1]
    assert len(_thread(h)[1]) == 1, "nothing handled: nothing posted in the thread"


async def test_back_after_days_away_the_summary_covers_every_day_missed(hs: Harness) -> None:
    """Anna is away from Tuesday noon to Friday 08:00, nobody covering: no summaries reach her meanwhile. Gran's
    worry on Wednesday night, taken by duty, is in Friday's summary (which covers everything since Tuesday
    morning's, and says so), not lost behind a 24-hour window."""
    await hs.network(QUIET_PLAN)
    hs.call(lambda ctx: set_away(ctx, OPERATOR, "console:anna", _at(8, day=4), None, starts=_at(12, day=1)))
    await hs.advance_to(_at(23, day=2))
    await hs.say("gran", "worried: shouting next door")
    await hs.press("duty", "Acknowledge")
    await hs.advance_to(_at(8, 30, day=4))
    summaries = [t for t in hs.texts("anna") if "Your daily summary" in t]
    assert len(summaries) == 3, "Mon and Tue, then nothing until Friday"
    assert "✅ 0 check-ins kept since Tue 1 Dec, 08:30" in summaries[-1], "Tuesday's summary was at 08:30"
    assert "Worried at Wed 2 Dec, 23:00: first to the duty team; acknowledged, still open" in summaries[-1]
    assert "kept yesterday" in summaries[1], "an ordinary day's summary still says yesterday"


async def test_a_thread_root_that_never_arrived_is_written_again_and_the_thread_follows_it(hs: Harness) -> None:
    """The first morning's thread root could not be delivered (failed for good). The next morning with something
    handed over, a new root is written and the handover replies under it, not on its own outside any thread."""
    await hs.network(QUIET_PLAN)
    await hs.advance_to(_at(23))
    await hs.say("gran", "worried: shouting next door")  # out of hours: duty first
    await hs.press("duty", "Acknowledge")
    await hs.advance_to(_at(8, 31, day=1))
    first, _ = _thread(hs)
    hs.call(lambda ctx: ctx.s.execute(update(OutboxMessage).where(OutboxMessage.idempotency_key.startswith(
        "handover-root:")).values(state="failed")))  # as if the platform had refused it for good
    await hs.advance_to(_at(23, day=1))
    await hs.say("gran", "worried: shouting again")
    await hs.press("duty", "Acknowledge")
    await hs.advance_to(_at(8, 31, day=2))
    roots = [line for line in hs.inbox("anna") if line.text.startswith("the Rowan family: handovers")]
    assert len(roots) == 2 and roots[0].ref == first.ref
    [reply] = [line for line in hs.inbox("anna") if line.thread_ref == roots[1].ref]
    assert "Worried at Tue 1 Dec, 23:00" in reply.text


async def test_a_reply_in_the_handover_thread_is_told_it_goes_nowhere_and_where_replies_go(hs: Harness) -> None:
    """Anna, back on Tuesday, writes under the family's handovers. Nobody reads that thread but her: she is told
    so in the thread, with how to answer a member; nothing is passed on."""
    await hs.network(QUIET_PLAN)
    hs.call(lambda ctx: set_away(ctx, OPERATOR, "console:anna", _at(8, day=1), None, starts=_at(12)))
    await hs.advance_to(_at(23))
    await hs.say("gran", "worried: shouting next door")
    await hs.press("duty", "Acknowledge")
    await hs.advance_to(_at(8, 31, day=1))
    root, _ = _thread(hs)
    duty_before, gran_before = len(hs.texts("duty")), len(hs.texts("gran"))
    await hs.say("anna", "Thanks, I will ring Gran this morning", thread=root.ref)
    reply = hs.inbox("anna")[-1]
    assert reply.thread_ref == root.ref, "the answer is in the thread"
    assert reply.text.startswith("This thread holds the handovers for the Rowan family. What you write here is "
                                 "not passed on to anyone.")
    assert "reply in their thread" in reply.text
    assert (len(hs.texts("duty")), len(hs.texts("gran"))) == (duty_before, gran_before), "nothing passed on"
    await hs.say("anna", "help", thread=root.ref)  # what the bot takes from staff anywhere, it takes here too
    assert hs.last("anna").startswith("FamilyTeam helps the family's safety network keep the plan.")
