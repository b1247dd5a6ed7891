"""Telegram-only texts: the command menu set with setMyCommands, one per supported language.

The descriptions reuse the msgids of render.help_text, so one translation serves both."""

from __future__ import annotations

from messages.catalog import Translator

COMMANDS = ("mine", "next", "language", "pause", "stop", "help")


def command_menu(tr: Translator) -> list[tuple[str, str]]:
    """(command, description) pairs for the chat's menu button."""
    return [
        ("mine", tr._("my commitments and today's check-ins")),
        ("next", tr._("the next meeting")),
        ("language", tr._("change language")),
        ("pause", tr._("pause reminders for a while")),
        ("stop", tr._("leave the network")),
        ("help", tr._("what I can do")),
    ]
