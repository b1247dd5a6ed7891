"""Review dates from the England child-protection timescales, overdue reviews in the summary and told once to
the supervisor; closing a family twice, /forget after /stop, staff erasing a member twice: clear errors."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.conversation import staff_intents as i
from bot.domain.timescales import ENGLAND_CHILD_PROTECTION, add_working_days, next_due
from bot.services.erasure import erase_member
from bot.services.errors import InvalidInput
from bot.services.lifecycle import close_family
from bot.services.reviews import set_reviews
from storage.models import ReviewDate
from tests.support.harness import OPERATOR, PLAN, Harness


def test_working_days_skip_weekends_and_the_regions_bank_holidays() -> None:
    # Mon 14 Dec 2026 + 15 working days: Christmas, Boxing Day (observed 28th) and New Year's Day skipped.
    assert add_working_days(date(2026, 12, 14), 15, "GB-ENG") == date(2027, 1, 7)
    assert add_working_days(date(2026, 12, 14), 15, "GB-SCT") == date(2027, 1, 8)  # 2 Jan is Scotland's too
    held = {"strategy_discussion": [date(2026, 12, 14)], "initial_conference": [date(2027, 1, 6)],
            "review_conference": [date(2027, 4, 1)]}
    due = {(d.kind, d.number): d.due_on for d in next_due(ENGLAND_CHILD_PROTECTION, held, "GB-ENG")}
    assert due == {("core_group", 1): date(2027, 1, 20), ("review_conference", 2): date(2027, 10, 1)}


# The reviews scenario walks ten days: without a bottom line, nobody's unanswered check-ins open escalations
# that would repeat every 15 minutes all the way (what they do is tested elsewhere), and the evening call is
# weekly, not daily (the check-ins are not what this is about).
PLAN_WITHOUT_GUARDS = PLAN.replace('guards = "sober-care"', "").replace("FREQ=DAILY;", "FREQ=WEEKLY;BYDAY=SU;")


@pytest.mark.storage  # an issue-10 scenario: on PostgreSQL too
async def test_reviews_follow_the_framework_show_overdue_and_reach_the_supervisor_once(h: Harness) -> None:
    hs = h
    fid = await hs.network(plan=PLAN_WITHOUT_GUARDS)
    rows = hs.call(lambda ctx: set_reviews(ctx, OPERATOR, fid, framework="england-child-protection",
                                           held={"strategy_discussion": date(2026, 11, 27)}))
    due = {r.kind: r.due_on for r in rows if r.held_on is None}
    assert due["initial_conference"] == date(2026, 12, 18)  # 15 working days after Fri 27 Nov
    # Bad input changes nothing: a date in the past, an unknown framework or region, an unknown meeting.
    for bad in ({"due": {"initial_conference": date(2026, 11, 1)}}, {"framework": "narnia-rules"},
                {"region": "XX-NOPE"}, {"held": {"tea_party": date(2026, 11, 1)}}):
        with pytest.raises(InvalidInput):
            hs.call(lambda ctx, kw=bad: set_reviews(ctx, OPERATOR, fid, **kw))  # type: ignore[arg-type]
    again = hs.call(lambda ctx: [(r.kind, r.due_on, r.overridden) for r in ctx.s.query(ReviewDate).all()])
    assert ("initial_conference", date(2026, 12, 18), False) in again

    hs.call(lambda ctx: set_reviews(ctx, OPERATOR, fid, due={"initial_conference": date(2026, 12, 4)}))
    await hs.advance_to(datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
    summary = next(t for t in reversed(hs.texts("anna")) if "daily summary" in t)
    assert "Initial child protection conference overdue: it was due by 2026-12-04" in summary
    assert "due by 2026-12-04" not in summary.replace("overdue: it was due by", "")
    told = [t for t in hs.texts("sam") if "is overdue" in t]
    assert len(told) == 1 and "the Rowan family" in told[0]
    await hs.advance_to(datetime(2026, 12, 9, 9, 0, tzinfo=UTC))
    assert len([t for t in hs.texts("sam") if "is overdue" in t]) == 1, "reported once"

    rows = hs.call(lambda ctx: set_reviews(ctx, OPERATOR, fid, held={"initial_conference": date(2026, 12, 8)}))
    due = {r.kind: r.due_on for r in rows if r.held_on is None}
    assert due == {"core_group": date(2026, 12, 22), "review_conference": date(2027, 3, 8),
                   "plan_review": date(2027, 2, 26)}


async def test_close_forget_and_erase_refuse_a_second_time(hs: Harness) -> None:
    fid = await hs.network(plan=PLAN)
    await hs.command("gran", "forget")
    assert "first leave the network with /stop" in hs.last("gran")
    outcome = await hs.staff("anna", i.CloseFamily("the Rowan family"))
    assert outcome.ok and "is closed; 2 members were told" in outcome.lines[0]
    assert "work through FamilyTeam has now ended" in hs.last("gran")
    with pytest.raises(InvalidInput, match="already closed"):
        hs.call(lambda ctx: close_family(ctx, OPERATOR, fid))
    with pytest.raises(InvalidInput, match="closed"):
        hs.invite(fid, "Tom")

    await hs.command("gran", "forget")  # the closed family ended her place: nothing active is left
    assert "being erased" in hs.last("gran")
    assert len(hs.audit("erase.member")) == 1  # audited with ids only
    done = hs.call(lambda ctx: erase_member(ctx, OPERATOR, fid, name="Sue"))
    assert done.person_erased
    with pytest.raises(InvalidInput, match="already erased"):
        hs.call(lambda ctx: erase_member(ctx, OPERATOR, fid, membership_id=done.membership_id))
    await hs.advance_to(hs.now.replace(hour=23))  # the forgotten chat's address is scrubbed after the reply
    assert not [o for o in hs.outbox() if o.state == "pending"]
