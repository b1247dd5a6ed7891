"""Escalation alerts and their follow-ups: agency staff only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from messages.catalog import Translator
from messages.labels import ANSWER_ICONS, answer_label
from messages.outbound import Button, OutboundMessage


@dataclass
class EscalationView:
    alias: str
    reason: str  # missed | not_done | worried
    bottom_line: str | None
    commitment: str
    member: str
    due_local: str
    due_utc: str
    answered_local: str | None
    words: str | None
    history: list[tuple[str, str]]  # (local date, state), oldest first
    contingency: str
    told: list[str]
    step: int
    data: dict[str, str] = field(default_factory=dict)  # ack / resolve buttons


def worry_outside_checkin(tr: Translator) -> str:
    return tr._("A worry sent outside any check-in")


def escalation_alert(tr: Translator, v: EscalationView) -> OutboundMessage:
    reason = {
        "missed": tr._("No answer by the end of the grace period"),
        "not_done": tr._("Answered \"not done\""),
        "worried": tr._("Answered \"worried\""),
    }[v.reason]
    title = ("🚨 " + tr._("Bottom line needs attention: {alias}") if v.bottom_line
             else "⚠️ " + tr._("Worry raised: {alias}")).format(alias=v.alias)
    fields = []
    if v.bottom_line:
        fields.append((tr._("Bottom line"), v.bottom_line))
    fields += [
        (tr._("What happened"), reason),
        (tr._("Commitment"), f"{v.commitment} ({v.member})"),
        (tr._("When"), f"{v.due_local} ({v.due_utc} UTC)"),
    ]
    if v.answered_local:
        fields.append((tr._("Answered"), v.answered_local))
    fields.append((tr._("Their words"), v.words or tr._("(no note)")))
    history = "  ".join(f"{day} {ANSWER_ICONS[state]}" for day, state in v.history) or tr._("(none)")
    fields.append((tr._("Last 7 days"), history))
    fields.append((tr._("Contingency plan"), v.contingency or tr._("(none written)")))
    fields.append((tr._("Also told"), ", ".join(v.told) or tr._("nobody else yet")))
    if v.step > 0:
        fields.append((tr._("Step"), tr._("Moved on: nobody acknowledged in time.")))
    text = title + "\n" + "\n".join(f"{k}: {val}" for k, val in fields)
    row = []
    if "ack" in v.data:
        row.append(Button(tr._("Acknowledge"), v.data["ack"], "primary"))
    if "resolve" in v.data:
        row.append(Button(tr._("Resolve"), v.data["resolve"]))
    buttons = [row] if row else []
    return OutboundMessage(text, buttons, title=title, fields=fields)


def escalation_update(tr: Translator, what: str, who: str, at: str, note: str | None = None) -> OutboundMessage:
    text = {
        "acknowledged": tr._("Acknowledged by {who} at {at}."),
        "resolved": tr._("Resolved by {who} at {at}."),
        "moved_on": tr._("Not acknowledged in time: {who} has now been told ({at})."),
    }[what].format(who=who, at=at)
    if note:
        text += "\n" + tr._("Note: {note}").format(note=note)
    return OutboundMessage(text)


def repeat_status(tr: Translator, repeat: int) -> str:
    """The line a repeated alert carries: nobody has taken it yet."""
    return "⏰ " + tr._("Repeat {n}: still not acknowledged. Please acknowledge, or resolve it with a note.").format(
        n=repeat)


def sms(text: str) -> OutboundMessage:
    """A text message: plain words, no buttons."""
    return OutboundMessage(text)


def sms_alert(tr: Translator, alias: str) -> str:
    """The duty phone's text: the alias only, never what happened (a phone's lock screen shows it)."""
    return tr._("FamilyTeam: an urgent alert for {alias} has not been acknowledged by anyone in its chain. "
                "Please open FamilyTeam and acknowledge it.").format(alias=alias)


def sms_acknowledged(tr: Translator, alias: str, who: str, at: str) -> str:
    return tr._("FamilyTeam: the urgent alert for {alias} was acknowledged by {who} at {at}.").format(
        alias=alias, who=who, at=at)


def call_alert(tr: Translator, alias: str, take: str | None = None) -> OutboundMessage:
    """What the duty phone's call says (twice): the alias only, never what happened or who (it is heard aloud).
    With `take` (the acknowledge button's data) the call asks for a key to take the alert."""
    buttons = [[Button(tr._("To take this alert, press 1 now."), take)]] if take else []
    return OutboundMessage(tr._("FamilyTeam urgent alert for {alias}: nobody has acknowledged it. "
                                "Please open Slack or Telegram now.").format(alias=alias), buttons,
                           language=tr.language)


def call_key_heard(tr: Translator, taken: bool) -> str:
    """Said on the call after a key: what happens next (the text that follows says whether it was theirs)."""
    if taken:
        return tr._("Thank you. FamilyTeam will text you now to say whether the alert is yours.")
    return tr._("Not taken. The alert stays open.")


def late_answer_followup(tr: Translator, alias: str, member: str, answer: str, at: str) -> OutboundMessage:
    return OutboundMessage(tr._("Late answer for {alias}: {member} answered \"{answer}\" at {at}. "
                                "The escalation stays open until someone resolves it.").format(
        alias=alias, member=member, answer=answer_label(tr, answer), at=at))


@dataclass
class AlertFacts:
    """What an escalation alert says, gathered once per escalation (bot.services.escalations.alert_facts).
    Rendering it for each reader, in their language and time zone, needs no database."""

    alias: str
    family_tz: str
    reason: str
    bottom_line: str | None
    commitment: str | None  # None: a worry sent outside any check-in
    member: str
    when: datetime  # the check-in's due time, or when the worry was raised
    answered_at: datetime | None
    words: str | None
    history: list[tuple[datetime, str]]  # (due, state) of the last 7 days, oldest first
    contingency: str
    told: list[tuple[int, str]]  # (person id, name) for each alert sent so far
    step: int
    data: dict[str, str] = field(default_factory=dict)  # ack / resolve buttons for the current state
    forwarded_from: str | None = None  # the worry came in a forward: "" the original sender hidden
    edited: bool = False  # the worry came in an edit of an earlier message


def _words(tr: Translator, facts: AlertFacts) -> str | None:
    """The member's words, marked when they were forwarded (someone else's words) or edited in."""
    marks = []
    if facts.forwarded_from is not None:
        marks.append(tr._("(forwarded by {member}, from {origin})").format(member=facts.member,
                                                                          origin=facts.forwarded_from)
                     if facts.forwarded_from else tr._("(forwarded by {member})").format(member=facts.member))
    if facts.edited:
        marks.append(tr._("(edited)"))
    if not marks:
        return facts.words
    return " ".join([*marks, facts.words or ""]).strip()


def alert_for(tr: Translator, facts: AlertFacts, reader_id: int, reader_tz: str, status: str | None = None
              ) -> OutboundMessage:
    """The alert as one reader sees it: their zone beside the family's, and who else was told."""
    zone, when = facts.family_tz, facts.when
    view = EscalationView(
        alias=facts.alias, reason=facts.reason, bottom_line=facts.bottom_line,
        commitment=facts.commitment if facts.commitment is not None else worry_outside_checkin(tr),
        member=facts.member,
        due_local=f"{tr.when(when, zone)} ({zone})" + (f" / {tr.when(when, reader_tz)} ({reader_tz})"
                                                       if reader_tz != zone else ""),
        due_utc=when.strftime("%Y-%m-%d %H:%M"),
        answered_local=tr.when(facts.answered_at, zone) if facts.answered_at else None,
        words=_words(tr, facts),
        history=[(tr.when(due, zone).rsplit(",", 1)[0], state) for due, state in facts.history],
        contingency=facts.contingency, told=[name for pid, name in facts.told if pid != reader_id], step=facts.step,
        data=facts.data,
    )
    message = escalation_alert(tr, view)
    if status:
        message.text += "\n\n" + status
        message.fields.append(("", status))
    return message
