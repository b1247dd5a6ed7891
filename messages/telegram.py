"""Telegram-only texts: the command menu set with setMyCommands, one per supported language.

The descriptions are those of the help text (messages/commands.py), so one translation serves both; the
commands listed come from the command table (bot.conversation.commands.MENU)."""

from __future__ import annotations

from collections.abc import Iterable

from messages.catalog import Translator
from messages.commands import describe


def command_menu(tr: Translator, names: Iterable[str]) -> list[tuple[str, str]]:
    """(command, description) pairs for the chat's menu button."""
    return [(name, describe(tr, name)) for name in names]
