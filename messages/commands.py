"""The words of the member commands: one description per command, used by the help text, the Telegram
menu and Slack's member subcommands (the command table is bot/conversation/commands.py)."""

from __future__ import annotations

from collections.abc import Iterable

from messages.catalog import Translator
from messages.outbound import OutboundMessage


def describe(tr: Translator, name: str) -> str:
    return {
        "mine": tr._("my commitments and today's check-ins"),
        "next": tr._("the next meeting"),
        "language": tr._("change language"),
        "pause": tr._("pause reminders for a while"),
        "quiet": tr._("your quiet hours"),
        "timezone": tr._("your time zone"),
        "discreet": tr._("only show details after a tap (for a shared phone)"),
        "stop": tr._("leave the network"),
        "forget": tr._("after /stop: erase your name, answers and notes"),
        "help": tr._("what I can do"),
    }.get(name, name)


def help_text(tr: Translator, usages: Iterable[tuple[str, str]]) -> OutboundMessage:
    """`usages`: (command name, example arguments) in the order the help lists them."""
    lines = [tr._("FamilyTeam helps the family's safety network keep the plan."),
             tr._("Answer check-ins with the buttons, or write: done, not done, worried.")]
    lines += [f"/{name}{' ' + example if example else ''} — {describe(tr, name)}" for name, example in usages]
    return OutboundMessage("\n".join(lines))
