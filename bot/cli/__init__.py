"""`familyteam`: the command line. Every command takes --json for machine-readable output.

One module per part of the work: families (family, member, staff), invites, plans, records (status, export),
escalations, meetings, cases (reviews, closing, erasure), runtime (run, demo, console, db, check)."""

from __future__ import annotations

import argparse
import json
import os
import sys

from pydantic import ValidationError

from bot.check import cmd_check
from bot.cli import cases, escalations, families, invites, meetings, plans, records, runtime
from bot.cli.common import Parsers
from bot.cli.runtime import cmd_db_new_key
from bot.logs import configure_logging
from bot.services.errors import ServiceError
from bot.settings import Settings, settings_problems

MODULES = (runtime, families, invites, plans, meetings, escalations, cases, records)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="familyteam", description="FamilyTeam: the safety network's chat bot.")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    parsers = Parsers(p.add_subparsers(dest="command", required=True))
    for module in MODULES:
        module.add_parsers(parsers)
    return p


def _reader_gone() -> int:
    """The output's reader has gone (`familyteam status --json | head -1`): end quietly. As the Python docs
    advise, stdout is pointed at devnull so the interpreter's last flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout without a file descriptor (captured in a test)
        pass
    return 0


def _settings_or_problems() -> Settings | None:
    """The settings, validated; on a bad value, one line per bad setting on stderr and None."""
    try:
        return Settings()
    except ValidationError as exc:
        for line in settings_problems(exc):
            print(f"error: {line}", file=sys.stderr)
        return None


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "fn", None) is cmd_check:  # `check` words bad settings as problems of its own
        try:
            code = cmd_check(args)
            sys.stdout.flush()
            return code
        except BrokenPipeError:
            return _reader_gone()
    if getattr(args, "fn", None) is cmd_db_new_key:  # makes the key production settings are refused without
        cmd_db_new_key(args)
        return 0
    settings = _settings_or_problems()
    if settings is None:
        return 2
    configure_logging(settings)
    try:
        args.fn(args)
        sys.stdout.flush()  # inside the try: a closed pipe shows here, not in the interpreter's exit
    except BrokenPipeError:
        return _reader_gone()
    except ServiceError as exc:
        if getattr(args, "json", False):
            print(json.dumps({"error": exc.reason, "message": exc.message}), file=sys.stderr)
        else:
            print(f"error: {exc.message}", file=sys.stderr)
        return 2
    return 0
