"""Closing and erasing a family leaves no personal data in any table: every text, string and JSON column of every
table in the models (so tables added later are scanned too) is searched for the family's own words."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import JSON, String, Text, select

from bot.conversation import staff_intents as i
from bot.services.erasure import erase_family
from bot.services.lifecycle import close_family
from bot.services.reviews import set_reviews
from storage.models import Base
from tests.support.harness import OPERATOR, Harness

pytestmark = pytest.mark.storage  # also on PostgreSQL

PLAN = """
contingency = "Take Zebedee to Larkspur Cottage and call the caseworker."
review_by = 2027-02-26
people_to_avoid = ["Mortimer Quill"]

[[bottom_line]]
key = "zebedee-never-alone"
text = "Zebedee is never alone with Mortimer"

[[commitment]]
key = "odette-school-run"
member = "Odette Quillfeather"
text = "Odette collects Zebedee from Larkspur school"
schedule = "FREQ=DAILY;BYHOUR=15;BYMINUTE=30"
grace = "45m"
guards = "zebedee-never-alone"

[[commitment]]
key = "barty-call"
member = "Bartholomew"
text = "Bartholomew phones Zebedee's mum at 7"
schedule = "FREQ=DAILY;BYHOUR=19;BYMINUTE=0"
grace = "1h"

[[meeting]]
kind = "family_network"
key = "larkspur-meeting"
starts = 2026-12-03T10:00:00
place = "Larkspur Cottage kitchen"
"""

PERSONAL = ("quillfeather", "odette", "bartholomew", "zebedee", "larkspur", "mortimer", "odette-chat", "barty-chat",
            "wobbly tooth", "drunk again")


def _leaks(h: Harness) -> list[str]:
    """Every (table.column, word) where a personal word is still stored, in any table the models know."""
    found = []
    for table in Base.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
        if not columns:
            continue
        rows = h.call(lambda ctx, t=table, cs=columns: ctx.s.execute(select(*cs).select_from(t)).all())
        for row in rows:
            for column, value in zip(columns, row, strict=True):
                text = str(value).lower() if value is not None else ""
                found += [f"{table.name}.{column.name}: {w}" for w in PERSONAL if w in text]
    return sorted(set(found))


@pytest.fixture
def h(db_url: str) -> Iterator[Harness]:
    """A short retention period (2 days), so the erasure sweep's moment comes without a year of check-ins."""
    harness = Harness(db_url, FAMILYTEAM_RETENTION_DAYS="2")
    yield harness
    harness.close()


@pytest.mark.slow_alert_repeats
async def test_closing_and_erasing_a_family_leaves_no_personal_data_in_any_table(h: Harness) -> None:
    fid = await h.network(plan=PLAN, alias="the Quillfeather family", members=(
        ("Odette Quillfeather", "odette-chat", "key_safety_person"), ("Bartholomew", "barty-chat", "supporter")))
    h.call(lambda ctx: set_reviews(ctx, OPERATOR, fid, framework="england-child-protection",
                                   held={"strategy_discussion": datetime(2026, 11, 27).date()}))
    await h.advance_to(datetime(2026, 11, 30, 15, 30, tzinfo=UTC))
    await h.say("odette-chat", "not done, Zebedee had a wobbly tooth at Larkspur")
    await h.advance_to(datetime(2026, 11, 30, 19, 0, tzinfo=UTC))
    await h.say("barty-chat", "I'm worried, mum is drunk again and Zebedee is there")
    await h.say("odette-chat", "See you at Larkspur on Tuesday, Zebedee says hello")  # relayed to Anna
    replied = await h.staff("anna", i.Reply("Thank you Odette, I will see Zebedee at Larkspur", family="Quillfeather"))
    assert replied.ok, replied
    assert _leaks(h), "the scan finds the family's words before the erasure (it can fail)"

    h.call(lambda ctx: close_family(ctx, OPERATOR, fid))
    await h.tick()
    goodbye = h.last("odette-chat")
    assert "work through FamilyTeam has now ended" in goodbye and "Zebedee" not in goodbye
    assert "familyteam export --family" in h.last("anna")
    assert not [c for c in h.checkins() if c.state == "pending"]
    assert not [o for o in h.outbox() if o.state == "pending"]

    await h.advance(timedelta(days=h.app.settings.retention_days, hours=1))  # the erasure sweep runs on the way
    assert _leaks(h) == []
    assert [e.action for e in h.audit("erase.family")] == ["erase.family"]
    assert len(h.audit("erase.member")) == 2
    counts = [c.state for c in h.checkins()]
    assert "not_done" in counts and "worried" in counts, "anonymous counts remain"

    with pytest.raises(Exception, match="already erased"):
        h.call(lambda ctx: erase_family(ctx, OPERATOR, fid))
