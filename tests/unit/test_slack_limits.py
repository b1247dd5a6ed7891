"""Everything the Slack adapter builds fits Slack's limits, for the largest plan the product takes: a view or
message that would not is an error (SlackLimitError), never cut short."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.conversation.staff_intents import PlanForm, PlanItem
from bot.services.home import FamilyGlance, Home, OpenEscalation, TodayCheckin
from bot.services.plan_editor import EditedCommitment, EditedLine
from bot.services.staff import StaffFamily
from handlers.slack.blocks import message_blocks
from handlers.slack.home import home_view
from handlers.slack.limits import SlackLimitError, checked_view
from handlers.slack.modals.plan_editor import item_view, plan
from messages.catalog import translator
from messages.outbound import Button, OutboundMessage
from tests.support.slack_rules import message_problem, view_problem

TR = translator("es")  # the longer words
WORDS = ("x" * 9 + " ") * 50  # 500 characters, the most a commitment or bottom line may say


def largest_form() -> PlanForm:
    lines = [EditedLine(f"bl_{i}", f"line-{i}", WORDS) for i in range(10)]
    commitments = [EditedCommitment(f"c{i}", None if i % 7 else f"k{i}", "M" * 60, WORDS,
                                    "FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=9", "7d", f"line-{i % 10}", i % 5 == 0)
                   for i in range(40)]
    return PlanForm(1, "A" * 80, 12, {"contingency": "c" * 4000, "people_to_avoid": ["N" * 60] * 30},
                    ["M" * 60] * 100, 7, lines, commitments)


def test_the_overview_of_the_largest_plan_fits_and_shows_everything() -> None:
    view = plan(TR, largest_form())
    assert view_problem(view) is None and len(view["blocks"]) <= 100
    sections = [b for b in view["blocks"] if b["type"] == "section"]
    assert len(sections) == 50, "one line per bottom line and commitment, none left out"
    assert all(WORDS.strip() in b["text"]["text"] for b in sections)


def test_the_item_forms_of_the_largest_plan_fit() -> None:
    form = largest_form()
    for c in (*form.commitments[:3], None):
        item = PlanItem(7, "commitment", 1 if c else 0, None, c, form.members, [(b.key or "", b.text)
                                                                                for b in form.bottom_lines])
        assert view_problem(item_view(TR, item, "V1")) is None
    item = PlanItem(7, "bottom_line", 10, form.bottom_lines[-1], None, form.members, [])
    assert view_problem(item_view(TR, item, "V1")) is None


def test_the_home_tab_fits_with_everything_at_once() -> None:
    at = datetime(2026, 11, 30, 9, tzinfo=UTC)
    family = StaffFamily(1, "A" * 80, "caseworker", "Europe/London")
    escalation = OpenEscalation(1, 1, "A" * 80, "worried", "open", at, "M" * 60, WORDS, "Europe/London",
                                "a" * 60, "r" * 60)
    today = [TodayCheckin(at, "A" * 80, "M" * 60, WORDS, "pending", "Europe/London")] * 60
    glance = FamilyGlance(family, [{"done": 99, "not_done": 9, "missed": 9, "worried": 9}] * 4)
    home = Home(1, "es", "08:30", escalations=[escalation] * 20, today=today, families=[glance] * 30)
    view = home_view(TR, home)
    assert view_problem(view) is None and len(view["blocks"]) <= 100
    shown = "\n".join(b.get("text", {}).get("text", "") for b in view["blocks"])
    assert shown.count(WORDS.strip()) == 15 + 40, "the first 15 escalations and 40 check-ins"
    more = [b["elements"][0]["text"] for b in view["blocks"] if b["type"] == "context"]
    assert [m for m in more if m.startswith("…")] == ["…y 5 más.", "…y 20 más.", "…y 10 más."], "and how many more"


def test_a_long_message_keeps_every_word_and_button_within_50_blocks() -> None:
    fields = [(f"Field {i}", f"value {i} " + "y" * 1000) for i in range(80)]
    message = OutboundMessage("fallback", title="Summary", fields=fields,
                              buttons=[[Button(f"B{r}{c}", f"d{r}{c}") for c in range(3)] for r in range(3)])
    text, blocks = message_blocks(message)
    assert message_problem({"text": text, "blocks": blocks}) is None and len(blocks) <= 50
    body = "".join(b["text"]["text"] for b in blocks if b["type"] == "section")
    assert all(f"value {i} " in body for i in range(80))
    assert [b["type"] for b in blocks].count("actions") == 3


def test_too_much_for_any_message_is_an_error_not_a_cut() -> None:
    with pytest.raises(SlackLimitError):
        message_blocks(OutboundMessage("fallback", title="Huge", fields=[("x", "z" * 200_000)]))
    too_big = {"type": "modal", "title": {"type": "plain_text", "text": "T"},
               "blocks": [{"type": "divider"}] * 101}
    with pytest.raises(SlackLimitError):
        checked_view(too_big)
