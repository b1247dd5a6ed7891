"""What every `familyteam` command shares: the app, the acting operator, output, and the parser's groups."""

from __future__ import annotations

import argparse
import getpass
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.services.context import Actor
from bot.services.errors import InvalidInput
from bot.settings import Settings

FAMILY_HELP = "the family's id (familyteam family create prints it), e.g. 1"
ESCALATION_HELP = "the escalation's id (familyteam escalation list shows them), e.g. 7"


def out(args: argparse.Namespace, data: Any, text: str) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False, default=str) if args.json else text)


def app(settings: Settings | None = None) -> Any:
    from bot.bootstrap import build

    return build(settings or Settings(), transports=())


def actor() -> Actor:
    try:
        return Actor.cli(getpass.getuser())
    except Exception:
        return Actor.cli()


def aware(text: str) -> datetime:
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise InvalidInput("bad_time", f"not a date-time with an offset: {text!r} (e.g. 2026-12-01T09:00+00:00)")
    return when


class Parsers:
    """The parser's top-level subcommands and their groups (`family`, `invite`...), shared by the modules that
    add commands to them: `group` makes a group once, `add` a command with --json."""

    def __init__(self, sub: Any) -> None:
        self.sub = sub
        self._groups: dict[str, Any] = {}

    def group(self, name: str, help_text: str) -> Any:
        if name not in self._groups:
            self._groups[name] = self.sub.add_parser(name, help=help_text).add_subparsers(
                dest=f"{name}_command", required=True)
        return self._groups[name]

    def add(self, name: str, fn: Callable[[argparse.Namespace], Any], help_text: str, parent: Any = None,
            epilog: str | None = None) -> argparse.ArgumentParser:
        sp = (parent or self.sub).add_parser(name, help=help_text, description=help_text, epilog=epilog,
                                             formatter_class=argparse.RawDescriptionHelpFormatter)
        sp.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="machine-readable output")
        sp.set_defaults(fn=fn)
        return sp
