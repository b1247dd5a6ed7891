"""What agency staff read about their families' networks (besides escalation alerts)."""

from __future__ import annotations

from messages.catalog import Translator
from messages.labels import meeting_kind_label
from messages.outbound import OutboundMessage


def staff_ack_done(tr: Translator, what: str) -> OutboundMessage:
    if what == "acknowledged":
        return OutboundMessage(tr._("Thank you. You have acknowledged it; nobody else will be asked."))
    if what == "resolved":
        return OutboundMessage(tr._("Thank you. It is marked resolved."))
    return OutboundMessage(tr._("This was already handled."))


def member_left_notice(tr: Translator, alias: str, member: str, uncovered: list[str]) -> OutboundMessage:
    lines = [tr._("{member} has left the safety network for {alias}.").format(member=member, alias=alias)]
    if uncovered:
        lines.append(tr._("These commitments are now uncovered:"))
        lines += ["• " + c for c in uncovered]
    return OutboundMessage("\n".join(lines))


def member_declined_notice(tr: Translator, alias: str, member: str) -> OutboundMessage:
    text = tr._("{member} said no to joining the safety network for {alias}. Their invite is closed. "
                "If they change their mind, you can send them a new invite.")
    return OutboundMessage(text.format(member=member, alias=alias))


def meeting_replies(tr: Translator, alias: str, kind: str, when: str, place: str, coming: list[str],
                    cant_come: list[str], not_answered: list[str]) -> OutboundMessage:
    """The caseworker's view of who is coming to a meeting, edited in place as replies arrive."""
    lines = [tr._("{meeting} for {alias}").format(meeting=meeting_kind_label(tr, kind), alias=alias), "🕒 " + when]
    if place:
        lines.append("📍 " + place)
    lines += [tr._("Coming: {names}").format(names=", ".join(coming) or "—"),
              tr._("Can't come: {names}").format(names=", ".join(cant_come) or "—"),
              tr._("Not answered yet: {names}").format(names=", ".join(not_answered) or "—")]
    return OutboundMessage("\n".join(lines))


def member_joined_notice(tr: Translator, alias: str, member: str) -> OutboundMessage:
    text = tr._("{member} has joined the safety network for {alias}.")
    return OutboundMessage(text.format(member=member, alias=alias))


def resolve_note_prompt(tr: Translator) -> OutboundMessage:
    return OutboundMessage(tr._("Please write a short note saying how it was resolved, and send it."))
