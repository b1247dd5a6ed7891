"""Review dates in staff's words: the kinds of review meeting, the daily summary's lines, the overdue notice.
Staff only: no member ever reads these."""

from __future__ import annotations

from datetime import date

from messages.catalog import Translator
from messages.outbound import OutboundMessage


def review_kind_label(tr: Translator, kind: str) -> str:
    return {
        "plan_review": tr._("Plan review"),
        "strategy_discussion": tr._("Strategy discussion"),
        "initial_conference": tr._("Initial child protection conference"),
        "core_group": tr._("Core group"),
        "review_conference": tr._("Review conference"),
    }.get(kind, kind)


def review_line(tr: Translator, kind: str, due_on: date, overdue: bool, number: int = 1) -> str:
    """One review in the daily summary: due by a date, or overdue since it (never "due by" once passed)."""
    what = review_kind_label(tr, kind) + (f" {number}" if number > 1 else "")
    if overdue:
        return "⏰ " + tr._("{what} overdue: it was due by {date}").format(what=what, date=due_on.isoformat())
    return tr._("{what} due by {date}").format(what=what, date=due_on.isoformat())


def review_overdue(tr: Translator, alias: str, kind: str, due_on: date) -> OutboundMessage:
    """To the supervisor, once: a review has passed its date without being recorded as held."""
    text = tr._("{what} for {alias} is overdue: it was due by {date} and has not been recorded as held. "
                "Record it with: familyteam review set --held {kind}=DATE").format(
        what=review_kind_label(tr, kind), alias=alias, date=due_on.isoformat(), kind=kind)
    return OutboundMessage(text, title=tr._("Review overdue"))


def review_schedule_lines(tr: Translator, alias: str, framework: str | None, region: str | None,
                          rows: list[tuple[str, int, date | None, date | None, bool]], today: date) -> list[str]:
    """What `familyteam review show` prints: (kind, number, due on, held on, overridden) per review."""
    lines = [tr._("Reviews for {alias} ({framework}, {region})").format(
        alias=alias, framework=framework or "—", region=region or "—")]
    for kind, number, due_on, held_on, overridden in rows:
        if held_on is not None:
            what = review_kind_label(tr, kind) + (f" {number}" if number > 1 else "")
            lines.append("  ✅ " + tr._("{what}: held on {date}").format(what=what, date=held_on.isoformat()))
        elif due_on is not None:
            line = review_line(tr, kind, due_on, due_on < today, number)
            lines.append("  " + line + (" " + tr._("(set by staff)") if overridden else ""))
    return lines
