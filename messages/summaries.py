"""Summaries: the weekly thank-you to members, the daily summary for staff."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from messages.catalog import Translator
from messages.labels import meeting_kind_label
from messages.outbound import OutboundMessage
from messages.reviews import review_line


def weekly_thanks(tr: Translator, alias: str, kept: int, total: int) -> OutboundMessage:
    if kept == total:
        text = tr.ngettext("This week you kept your commitment for {alias}. Thank you — it makes a real difference.",
                           "This week you kept all {n} of your commitments for {alias}. Thank you — it makes a "
                           "real difference.", total)
    elif kept > 0:
        text = tr._("This week you kept {kept} of {n} commitments for {alias}. Thank you for being there.")
    else:
        text = tr._("This week was a hard one for {alias}'s plan. Thank you for staying part of the network; "
                    "the caseworker can help if something needs to change.")
    return OutboundMessage(text.format(alias=alias, kept=kept, n=total),
                           discreet_text=tr._("You have a message from FamilyTeam."))


@dataclass
class SummarySection:
    """What one family's part of a daily summary says, as plain facts (gathered by the service once)."""

    alias: str
    went_well: int
    ordinary_misses: list[tuple[str, str, datetime]]  # (member, commitment, due at)
    uncovered: list[tuple[str, str]]  # (commitment, member)
    open_escalations: int
    meetings: list[tuple[str, datetime]]  # (meeting kind, starts at)
    reviews: list[tuple[str, date, bool]] | None = None  # (kind, due on, overdue): bot.services.reviews


def daily_summary(tr: Translator, sections: list[SummarySection], tz: str) -> OutboundMessage:
    """The caseworker's daily picture, times in `tz`. Words only: no platform markup."""
    lines = ["📋 " + tr._("Your daily summary")]
    for s in sections:
        lines.append("")
        lines.append(s.alias)
        lines.append("✅ " + tr.ngettext("{n} check-in kept yesterday", "{n} check-ins kept yesterday",
                                         s.went_well).format(n=s.went_well))
        if s.open_escalations:
            lines.append("🚨 " + tr.ngettext("{n} escalation still open", "{n} escalations still open",
                                             s.open_escalations).format(n=s.open_escalations))
        if s.ordinary_misses:
            lines.append(tr._("Missed (no escalation):"))
            lines += [f"  • {member}: {text} ({tr.when(due, tz)})" for member, text, due in s.ordinary_misses]
        if s.uncovered:
            lines.append(tr._("Uncovered commitments:"))
            lines += [f"  • {text} ({member})" for text, member in s.uncovered]
        if s.meetings:
            lines.append(tr._("Coming up:"))
            lines += [f"  • {meeting_kind_label(tr, kind)} — {tr.when(at, tz)}" for kind, at in s.meetings]
        lines += [review_line(tr, kind, due_on, overdue) for kind, due_on, overdue in s.reviews or ()]
    return OutboundMessage("\n".join(lines), title=tr._("Your daily summary"))
