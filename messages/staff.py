"""What agency staff read about their families' networks (besides escalation alerts)."""

from __future__ import annotations

from messages.catalog import Translator
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


def member_joined_notice(tr: Translator, alias: str, member: str) -> OutboundMessage:
    text = tr._("{member} has joined the safety network for {alias}.")
    return OutboundMessage(text.format(member=member, alias=alias))


def resolve_note_prompt(tr: Translator) -> OutboundMessage:
    return OutboundMessage(tr._("Please write a short note saying how it was resolved, and send it."))
