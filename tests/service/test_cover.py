"""Cover is told: when cover starts, the families' members hear who covers (first name, role) and until
when; the away caseworker gets no alerts or summaries; the cover's summary has the families; it ends by
itself. A cover with no end, or overlapping another, is refused and changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.services.covers import set_away
from bot.services.errors import InvalidInput
from tests.support.harness import OPERATOR, PLAN, Harness

TUESDAY_9 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
FRIDAY = datetime(2026, 12, 4, 0, 0, tzinfo=UTC)


def _summaries(h: Harness, chat: str) -> list[str]:
    return [t for t in h.texts(chat) if "Your daily summary" in t]


@pytest.mark.storage  # an issue-10 scenario: on PostgreSQL too
async def test_cover_is_told_holds_the_families_and_ends_by_itself(h: Harness) -> None:
    # Four days pass: without the bottom line, unanswered check-ins open no alerts that would repeat every
    # 15 minutes all the way (who holds an alert during cover is tests/service/test_truthful_words.py).
    await h.network(PLAN.replace('guards = "sober-care"', ""))
    h.make_family(alias="the Ash family", caseworker="console:cora", caseworker_name="Cora Jones")
    h.call(lambda ctx: set_away(ctx, OPERATOR, "console:anna", FRIDAY, "console:cora", starts=TUESDAY_9))
    for bad, reason in ((lambda ctx: set_away(ctx, OPERATOR, "console:anna", None, "console:cora"), "cover_needs_end"),
                        (lambda ctx: set_away(ctx, OPERATOR, "console:anna", datetime(2026, 12, 8, tzinfo=UTC),
                                              "console:cora", starts=datetime(2026, 12, 3, tzinfo=UTC)),
                         "cover_overlaps")):
        with pytest.raises(InvalidInput) as refused:
            h.call(bad)
        assert refused.value.reason == reason
    assert len(h.audit("staff.away")) == 1, "nothing changed by the refused ones"

    await h.advance_to(TUESDAY_9.replace(hour=8))
    assert not any("is away" in t for t in h.texts("gran")), "not told before the cover starts"
    await h.advance_to(TUESDAY_9)
    anna_before = len(_summaries(h, "anna"))  # Tuesday's 08:30 summary came before she went away
    told = [t for t in h.texts("gran") if "is away" in t]
    assert len(told) == 1 and "Cora, the worker covering" in told[0] and "Jones" not in told[0]
    assert "Fri 4 Dec" in told[0] or "4 Dec" in told[0]
    assert any("Cora, the worker covering" in t for t in h.texts("sue"))

    await h.advance_to(datetime(2026, 12, 3, 12, 0, tzinfo=UTC))  # Wednesday and Thursday summaries
    assert len(_summaries(h, "anna")) == anna_before, "the away caseworker gets no summary"
    cora = _summaries(h, "cora")
    assert cora and "the Rowan family" in cora[-1] and "the Ash family" in cora[-1]

    await h.advance_to(datetime(2026, 12, 4, 9, 0, tzinfo=UTC))
    assert [a.action for a in h.audit("staff.cover_end")] == ["staff.cover_end"], "it ended by itself"
    assert len(_summaries(h, "anna")) == anna_before + 1, "back: Friday's summary is hers again"
    assert "the Rowan family" not in _summaries(h, "cora")[-1]
