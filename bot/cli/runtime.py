"""`familyteam run`, `demo`, `console`, `db upgrade|new-key|rotate-key`: the bot itself and its database."""

from __future__ import annotations

import argparse
import asyncio
import signal

from bot.check import cmd_check
from bot.cli.common import Parsers, out
from bot.settings import Settings
from storage import crypto


def cmd_db_upgrade(args: argparse.Namespace) -> None:
    from storage.db import Database
    from storage.migrate import upgrade

    settings = Settings()
    db = Database(settings.database_url)
    if settings.data_key_list:
        crypto.register(db.engine, settings.data_key_list)  # the migration that encrypts existing rows uses them
    upgrade(db.engine)
    out(args, {"upgraded": True}, "Database is up to date.")


def cmd_db_rotate_key(args: argparse.Namespace) -> None:
    from bot.bootstrap import build
    from storage.rekey import rotate

    app = build(Settings(), transports=())
    done = rotate(app.db.engine)
    out(args, {"values": done}, f"{done} values re-encrypted with the first key of FAMILYTEAM_DATA_KEYS; "
                                "older keys can now be removed.")


def cmd_db_new_key(args: argparse.Namespace) -> None:
    out(args, {"key": (key := crypto.new_key())}, key)


def cmd_run(args: argparse.Namespace) -> None:
    from bot.bootstrap import build

    app = build(Settings())

    async def serve() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)  # finish the current sweep, stop transports cleanly
        await app.run_forever(stop=stop)

    asyncio.run(serve())


def cmd_demo(args: argparse.Namespace) -> None:
    from bot.demo import run_demo

    run_demo(json_output=args.json)


def cmd_console(args: argparse.Namespace) -> None:
    from bot.bootstrap import run_console

    run_console(Settings(), args.as_address)


def add_parsers(p: Parsers) -> None:
    p.add("check", cmd_check, "is this configuration ready? settings, database, tokens, webhook, who cannot be "
                              "reached; each problem with its fix (exit 1 if any)")
    p.add("run", cmd_run, "run the bot with the transports configured in the environment")
    p.add("demo", cmd_demo, "a simulated week for a sample family, on a temporary database")
    c = p.add("console", cmd_console, "chat locally as a member (console transport)")
    c.add_argument("--as", dest="as_address", required=True, help="the chat to be, e.g. console:gran")
    db = p.group("db", "database")
    p.add("upgrade", cmd_db_upgrade, "apply migrations", db)
    p.add("new-key", cmd_db_new_key, "print a new data key for FAMILYTEAM_DATA_KEYS (put it first)", db)
    p.add("rotate-key", cmd_db_rotate_key, "re-encrypt stored texts with the first key of FAMILYTEAM_DATA_KEYS, "
                                           "e.g. after FAMILYTEAM_DATA_KEYS=NEW,OLD", db)
