"""Summaries: the weekly thank-you to members, the daily summary for staff."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from messages.catalog import Translator
from messages.labels import answer_label, meeting_kind_label
from messages.outbound import OutboundMessage
from messages.relay import staff_hint
from messages.reviews import review_line


@dataclass(frozen=True)
class Kept:
    """What one member kept this week: each commitment once, with how many times it was done."""

    commitment: str
    times: int


def _kept_line(tr: Translator, kept: Kept) -> str:
    return tr.ngettext("• {commitment}: once", "• {commitment}: {n} times", kept.times).format(
        commitment=kept.commitment, n=kept.times)


def weekly_thanks(tr: Translator, alias: str, kept: list[Kept], weeks_in_a_row: int) -> OutboundMessage:
    """Strengths, never a score: what they kept (each commitment once, with how often), a run of good weeks
    noticed; a week with nothing kept gets a gentle word (a worry is never counted against anyone)."""
    if not kept:
        text = tr._("This week was a hard one for {alias}'s plan. Thank you for staying part of the network; "
                    "the caseworker can help if something needs to change.").format(alias=alias)
    else:
        lines = [tr._("Thank you for what you did for {alias} this week:").format(alias=alias)]
        lines += [_kept_line(tr, k) for k in kept]
        if weeks_in_a_row >= 2:
            lines.append(tr.ngettext("That is {n} week in a row.", "That is {n} weeks in a row.",
                                     weeks_in_a_row).format(n=weeks_in_a_row))
        lines.append(tr._("It makes a real difference."))
        text = "\n".join(lines)
    return OutboundMessage(text, discreet_text=tr._("You have a message from FamilyTeam."))


def weekly_strengths(tr: Translator, alias: str, members: list[tuple[str, list[Kept], int]]) -> OutboundMessage:
    """For the caseworker: the same strengths, member by member (facts, no scores)."""
    lines = [tr._("Strengths this week in {alias}:").format(alias=alias)]
    for member, kept, weeks in members:
        if not kept:
            lines.append(tr._("{member}: nothing kept this week (a word from you may help).").format(member=member))
            continue
        lines.append(f"{member}:")
        lines += ["  " + _kept_line(tr, k) for k in kept]
        if weeks >= 2:
            lines.append("  " + tr.ngettext("That is {n} week in a row.", "That is {n} weeks in a row.",
                                            weeks).format(n=weeks))
    return OutboundMessage("\n".join(lines))


@dataclass(frozen=True)
class Handled:
    """An alert that someone other than the caseworker held first (duty at night, a cover, the supervisor)."""

    reason: str
    opened_at: datetime
    first_role: str
    state: str
    acknowledged: bool
    note: str | None = None  # the resolution note (the outcome), staff's own words


@dataclass(frozen=True)
class RelayHandled:
    """A member's message passed on to someone other than the caseworker, and whether staff answered it."""

    member: str
    at: datetime
    role: str  # cover | supervisor | duty: who it went to
    answered_by: str | None  # the role of the first staff reply after it (None: no reply yet)


@dataclass(frozen=True)
class Rsvp:
    """A meeting reply received: who, what they said, which meeting."""

    member: str
    reply: str  # bot.domain.vocabulary.MeetingReply
    kind: str  # the meeting's kind
    starts_at: datetime


@dataclass
class DayFacts:
    """The rest of a family's day for its caseworker (bot.services.day_facts)."""

    not_done: list[tuple[str, str, datetime, str | None]]  # (member, commitment, answered at, note)
    late: list[tuple[str, str, str, datetime]]  # (member, commitment, answer, answered at)
    gone: list[tuple[str, str]]  # (member, "left" | "declined")
    unreachable: list[str]  # members with no chat that reaches them
    handled: list[Handled]
    relays: list[RelayHandled] = field(default_factory=list)
    rsvps: list[Rsvp] = field(default_factory=list)

    @property
    def handed_over(self) -> bool:
        """Something was handled by someone other than the caseworker: it goes to the family's handover thread."""
        return bool(self.handled or self.relays)


def _role_label(tr: Translator, role: str) -> str:
    return {"duty": tr._("the duty team"), "cover": tr._("the worker covering for you"),
            "supervisor": tr._("your supervisor"), "caseworker": tr._("you")}.get(role, role)


def _state_label(tr: Translator, state: str, acknowledged: bool) -> str:
    if state == "resolved":
        return tr._("resolved")
    return tr._("acknowledged, still open") if acknowledged else tr._("not yet acknowledged")


def handled_lines(tr: Translator, d: DayFacts, tz: str) -> list[str]:
    """What was handled by others, item by item (the summary's part and the handover thread's reply)."""
    lines: list[str] = []
    for h in d.handled:
        lines.append("  • " + tr._("{what} at {when}: first to {who}; {state}").format(
            what=answer_label(tr, "worried") if h.reason == "worried" else tr._("bottom line"),
            when=tr.when(h.opened_at, tz), who=_role_label(tr, h.first_role),
            state=_state_label(tr, h.state, h.acknowledged)))
        if h.note:
            lines.append("    " + tr._("Outcome: “{note}”").format(note=h.note[:200]))
    for r in d.relays:
        answered = (tr._("answered by {who}").format(who=_role_label(tr, r.answered_by)) if r.answered_by
                    else tr._("no reply yet"))
        lines.append("  • " + tr._("{when}: {member} wrote to {who} ({answered})").format(
            when=tr.when(r.at, tz), member=r.member, who=_role_label(tr, r.role), answered=answered))
    return lines


def _rsvp_line(tr: Translator, r: Rsvp, tz: str) -> str:
    said = tr._("coming") if r.reply == "coming" else tr._("can't come")
    return f"  • {r.member}: {said} — {meeting_kind_label(tr, r.kind)}, {tr.when(r.starts_at, tz)}"


def day_lines(tr: Translator, d: DayFacts, tz: str) -> list[str]:
    lines: list[str] = []
    if d.handed_over:
        lines.append(tr._("Handled while you were not holding the family:"))
        lines += handled_lines(tr, d, tz)
    if d.not_done:
        lines.append(tr._("Not done:"))
        for member, text, at, note in d.not_done:
            lines.append(f"  • {member}: {text} ({tr.when(at, tz)})")
            if note:
                lines.append(f"    “{note[:200]}”")
    if d.late:
        lines.append(tr._("Answered late:"))
        lines += [f"  • {member}: {text} — {answer_label(tr, answer)} ({tr.when(at, tz)})"
                  for member, text, answer, at in d.late]
    if d.rsvps:
        lines.append(tr._("Meeting replies:"))
        lines += [_rsvp_line(tr, r, tz) for r in d.rsvps]
    if d.gone:
        lines.append(tr._("Left the network or said no:"))
        lines += ["  • " + (tr._("{member} said no to the invitation") if why == "declined" else
                            tr._("{member} left the network")).format(member=member) for member, why in d.gone]
    if d.unreachable:
        lines.append(tr._("Cannot be reached by chat: {members}").format(members=", ".join(d.unreachable)))
    return lines


def handover_root(tr: Translator, alias: str) -> OutboundMessage:
    """The root of a family's handover thread in a staff reader's chat."""
    return OutboundMessage(tr._("{alias}: handovers").format(alias=alias) + "\n" + tr._(
        "What the duty team, a cover or your supervisor handled for this family is posted here each morning."))


def handover_reply(tr: Translator, alias: str) -> OutboundMessage:
    """The answer to a staff member writing in a family's handover thread: where their words go (nowhere)."""
    return OutboundMessage(tr._("This thread holds the handovers for {alias}. What you write here is not passed on "
                                "to anyone.").format(alias=alias) + "\n" + staff_hint(tr).text)


def handover(tr: Translator, alias: str, day: DayFacts, tz: str) -> OutboundMessage:
    """One morning's handover, a reply in the family's handover thread."""
    lines = [tr._("Handed over for {alias}:").format(alias=alias), *handled_lines(tr, day, tz)]
    return OutboundMessage("\n".join(lines), title=tr._("Handover"))


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
    day: DayFacts | None = None  # the rest of the day (bot.services.day_facts)
    since: datetime | None = None  # the window's start when it is longer than a day (a weekend, an absence)


def daily_summary(tr: Translator, sections: list[SummarySection], tz: str) -> OutboundMessage:
    """The caseworker's daily picture, times in `tz`. Words only: no platform markup."""
    lines = ["📋 " + tr._("Your daily summary")]
    for s in sections:
        lines.append("")
        lines.append(s.alias)
        if s.since is None:
            lines.append("✅ " + tr.ngettext("{n} check-in kept yesterday", "{n} check-ins kept yesterday",
                                             s.went_well).format(n=s.went_well))
        else:
            lines.append("✅ " + tr.ngettext("{n} check-in kept since {when}", "{n} check-ins kept since {when}",
                                             s.went_well).format(n=s.went_well, when=tr.when(s.since, tz)))
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
        lines += day_lines(tr, s.day, tz) if s.day is not None else []
    return OutboundMessage("\n".join(lines), title=tr._("Your daily summary"))
