"""The App Home tab: open escalations first, today's check-ins, then each family at a glance."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import ActionsBlock, Block, TimePickerElement
from slack_sdk.models.views import View

from bot.services.home import Home
from handlers.slack.blocks import BUTTON_ACTION, button, chunks, context, divider, escape, header, section, strong
from handlers.slack.limits import view_dict
from messages import forms as texts
from messages.catalog import Translator
from messages.render import ANSWER_ICONS

SUMMARY_TIME_ACTION = "ft_summary_time"
# How many of each list the Home tab shows: 2 blocks per escalation, the check-ins in sections of
# 3000 characters (40 lines of at most ~650), 1 per family; with headers well under 100 blocks.
SHOWN = {"escalations": 15, "today": 40, "families": 20}


def home_view(tr: Translator, home: Home) -> dict[str, Any]:
    """At most SHOWN of each list (the Home tab holds 100 blocks), and how many more there are."""
    t = texts.home(tr)
    blocks: list[Block] = [header("🚨 " + t["escalations"])]
    if not home.escalations:
        blocks.append(context(t["no_escalations"]))
    for i, e in enumerate(home.escalations[:SHOWN["escalations"]]):
        blocks.append(section(texts.home_escalation(
            tr, strong(escape(e.alias)), e.reason, e.state, escape(e.member), escape(e.commitment),
            tr.when(e.opened_at, e.timezone))))
        row = []
        if e.ack:
            row.append(button(t["ack"], e.ack, f"{BUTTON_ACTION}_h{i}_a", "primary"))
        row.append(button(t["resolve"], e.resolve, f"{BUTTON_ACTION}_h{i}_r"))
        blocks.append(ActionsBlock(block_id=f"home_esc_{e.id}", elements=row))
    blocks += _more(t, len(home.escalations), "escalations")
    blocks += [divider(), header("🗓 " + t["today"])]
    lines = [texts.home_checkin(tr, tr.time(c.due_at, c.timezone), strong(escape(c.alias)), escape(c.member),
                                escape(c.commitment), c.state) for c in home.today[:SHOWN["today"]]]
    blocks += [section(chunk) for chunk in chunks("\n".join(lines))] if lines else [context(t["no_today"])]
    blocks += _more(t, len(home.today), "today")
    blocks += [divider(), header("👪 " + t["families"])]
    if not home.families:
        blocks.append(context(t["no_families"]))
    else:
        blocks.append(context(t["weeks"] + "  " + t["legend"]))
    for glance in home.families[:SHOWN["families"]]:
        weeks = "   ".join(" ".join(f"{ANSWER_ICONS[s]}{n}" for s, n in w.items()) for w in glance.weeks)
        blocks.append(section(texts.home_family(tr, strong(escape(glance.family.alias)), glance.family.role)
                              + "\n" + weeks))
    blocks += _more(t, len(home.families), "families")
    blocks += [divider(), section(escape(t["summary"]), block_id="summary_time", accessory=TimePickerElement(
        action_id=SUMMARY_TIME_ACTION, initial_time=home.summary_time))]
    return view_dict(View(type="home", blocks=blocks))


def _more(t: dict[str, str], count: int, what: str) -> list[Block]:
    hidden = count - SHOWN[what]
    return [context(t["more"].format(n=hidden))] if hidden > 0 else []


def refused_view(text: str) -> dict[str, Any]:
    return view_dict(View(type="home", blocks=[section(escape(text))]))
