"""Inbound answers/s: members pressing "Done" on their check-ins through the real webhook (aiohttp route,
python-telegram-bot's Update, the conversation router, the use case, one transaction), at concurrency 1 and
40, against bare python-telegram-bot measured in the same run (its own webhook server, a handler that only
answers the callback).

    .venv/bin/python -m bench.inbound [--presses 1000] [--concurrency 1,40]

SQLite in a temporary file; PostgreSQL too when FAMILYTEAM_BENCH_POSTGRES_URL names a throwaway database (its
public schema is dropped and rebuilt). Families are bulk-built (bench/bulk.py), each member's chat made a
Telegram chat, and their check-ins asked by one engine tick; every press answers a different open check-in.
The load and a fake Bot API run in a child process (bench/inbound_load.py). A press counts as answered when
its answer reaches Telegram's side: in the webhook's HTTP response (FamilyTeam) or as an answerCallbackQuery
request (bare PTB). Prints JSON, then one Markdown row per backend for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import os
import socket
import tempfile
import time
from collections.abc import Awaitable
from pathlib import Path
from typing import Any, Protocol

from aiohttp import web
from sqlalchemy import create_engine, func, select, text

from bench import bulk
from bench.engine_ticks import _fresh
from bench.inbound_load import TOKEN, Load, LoadProcess
from bot.bootstrap import build
from bot.buttons import ButtonAction, make
from bot.clock import ManualClock
from bot.settings import Settings
from bot.web import build_web
from storage import crypto
from storage.models import Checkin, InboundReceipt

SECRET = "bench-Secret_1"
WARM = 200  # presses before the timed runs (4 at a time): statements compiled, and prepared by PostgreSQL
BARE = 100_000_000  # bare PTB's update and query ids start here: never one FamilyTeam's run used
MEMBER_IDS = 10_000_000  # bench/bulk.py: members' person (and chat identity) ids start here


class Loader(Protocol):
    async def start(self) -> str: ...
    async def run(self, url: str, secret: str, bodies: list[dict[str, Any]], concurrency: int
                  ) -> dict[str, Any]: ...
    async def stop(self) -> None: ...


class Locked(logging.Handler):
    """Counts log lines saying SQLite was locked or the database unavailable (the router's retries)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        self.count += "locked" in message or "database unavailable" in message


def _port() -> tuple[socket.socket, int]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    return sock, sock.getsockname()[1]


def press(n: int, family: int, data: str) -> dict[str, Any]:
    """Member 1 of bulk family `family` presses a button carrying `data` (update and query id `n`)."""
    chat = MEMBER_IDS + 2 * family
    return {"update_id": n, "callback_query": {
        "id": f"q{n}", "from": {"id": chat, "is_bot": False, "first_name": "Gran", "language_code": "en"},
        "chat_instance": str(chat), "data": data,
        "message": {"message_id": 1, "date": 1_700_000_000, "chat": {"id": chat, "type": "private"}, "text": "?"}}}


async def _timed(running: Awaitable[dict[str, Any]], presses: int) -> dict[str, Any]:
    """The load's result, with this process's CPU time per press (all its threads; the load runs elsewhere):
    on a shared machine the steadier figure, and 1000 / it bounds what one core could answer."""
    start = time.process_time()
    result = await running
    return result | {"cpu_ms_per_press": round((time.process_time() - start) * 1000 / presses, 2)}


def _prepare(url: str, families: int) -> None:
    _fresh(url)
    engine = create_engine(url)
    bulk.build(engine, families, families)  # every family has a check-in due at ASK_AT
    with engine.begin() as conn:  # members talk on Telegram: chat id = identity id, language as their /start left it
        conn.execute(text("UPDATE chat_identities SET platform = 'telegram', external_id = CAST(id AS VARCHAR(32)), "
                          "language = 'en' WHERE id >= :first"), {"first": MEMBER_IDS})
    engine.dispose()


def webhook_settings(url: str, fake_url: str, port: int, token: str = TOKEN) -> tuple[Settings, str]:
    """Settings for FamilyTeam on `url` taking Telegram webhooks on `port` and calling the fake Bot API (which
    knows `token`); and the webhook's address."""
    hook = f"http://127.0.0.1:{port}/telegram/updates"
    keys = None if url.startswith("sqlite") else crypto.new_key()  # PostgreSQL is production: keys required
    return Settings(DATABASE_URL=url, FAMILYTEAM_SECRET="bench", TELEGRAM_BOT_TOKEN=token,
                    TELEGRAM_API_BASE_URL=fake_url, TELEGRAM_WEBHOOK_URL=hook, TELEGRAM_WEBHOOK_SECRET=SECRET,
                    FAMILYTEAM_DATA_KEYS=keys), hook


async def serve_webhook(app: Any, sock: socket.socket, *, sends: bool = False) -> tuple[Any, web.AppRunner]:
    """The real Telegram adapter started in webhook mode on the app's HTTP server, listening on `sock` (and, with
    `sends`, the app's transport too); the caller stops the adapter and cleans up the runner."""
    from handlers.telegram.adapter import TelegramAdapter

    adapter = TelegramAdapter(app.settings, sink=app.handle)
    if sends:
        app.add_transport(adapter)
    app.add_service(adapter)
    webapp = build_web(app.db, lambda: ["telegram"])
    adapter.register_routes(webapp)
    runner = web.AppRunner(webapp, access_log=None)
    await runner.setup()
    await web.SockSite(runner, sock).start()
    await adapter.start()
    return adapter, runner


async def _familyteam(url: str, load: Loader, fake_url: str, presses: int, levels: list[int]) -> list[dict[str, Any]]:
    families = WARM + presses * len(levels)
    _prepare(url, families)
    sock, port = _port()
    clock = ManualClock(bulk.ASK_AT)
    settings, hook = webhook_settings(url, fake_url, port)
    app = build(settings, clock=clock, transports=[])  # the replies wait in the outbox: inbound only
    report = app.engine.tick_sync()
    assert report.counts["ask_due_checkins"] == families, report.counts
    clock.set(bulk.ASK_AT.replace(minute=5))
    adapter, runner = await serve_webhook(app, sock)
    locked = Locked()
    logging.getLogger().addHandler(locked)
    gc.collect()
    gc.freeze()  # as the running bot does once started

    def bodies(first: int, count: int) -> list[dict[str, Any]]:
        return [press(first + i, first + i, make(app.secret, ButtonAction.CHECKIN, 2 * (first + i) * 100 + 100,
                                                  "done")) for i in range(count)]

    try:
        await load.run(hook, SECRET, bodies(0, WARM), 4)
        out = []
        for k, level in enumerate(levels):
            result = await _timed(load.run(hook, SECRET, bodies(WARM + k * presses, presses), level), presses)
            out.append({"system": "familyteam", "concurrency": level} | result)
        done, receipts = await app.db.run(lambda s: (
            s.scalar(select(func.count()).select_from(Checkin).where(Checkin.state == "done")),
            s.scalar(select(func.count()).select_from(InboundReceipt))))
        for row in out:  # what the database holds after all runs (the warm-up's presses included)
            row |= {"locked": locked.count, "presses_in_all": families, "checkins_done": done, "receipts": receipts}
        return out
    finally:
        logging.getLogger().removeHandler(locked)
        gc.unfreeze()
        await adapter.stop()
        await runner.cleanup()
        app.db.dispose()


async def start_bare_webhook(ptb: Any) -> str:
    """The reference: bare python-telegram-bot started on its own webhook server on a free loopback port; its
    webhook URL."""
    sock, port = _port()
    sock.close()
    hook = f"http://127.0.0.1:{port}/ptb"
    await ptb.initialize()
    await ptb.start()
    assert ptb.updater is not None
    await ptb.updater.start_webhook("127.0.0.1", port, "ptb", secret_token=SECRET, webhook_url=hook)
    return hook


async def _bare_ptb(load: Loader, fake_url: str, presses: int, levels: list[int]) -> list[dict[str, Any]]:
    """python-telegram-bot as its documentation sets it up: its own webhook server, updates handled
    concurrently, one handler that only answers the callback (a request to the Bot API)."""
    from telegram import Update
    from telegram.ext import Application, CallbackQueryHandler, ContextTypes

    async def answer(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.callback_query is not None
        await update.callback_query.answer()

    ptb = (Application.builder().token(TOKEN).base_url(f"{fake_url}/bot").concurrent_updates(True)
           .connection_pool_size(256).build())
    ptb.add_handler(CallbackQueryHandler(answer))
    hook = await start_bare_webhook(ptb)
    try:
        await load.run(hook, SECRET, [press(BARE + i, i, "x") for i in range(WARM)], 4)
        out = []
        for k, level in enumerate(levels):
            first = WARM + k * presses
            result = await _timed(load.run(hook, SECRET, [press(BARE + first + i, first + i, "x")
                                                          for i in range(presses)], level), presses)
            out.append({"system": "bare-ptb", "concurrency": level} | result)
        return out
    finally:
        await ptb.updater.stop()
        await ptb.stop()
        await ptb.shutdown()


async def run_async(url: str, presses: int, levels: list[int], load: Loader | None = None) -> list[dict[str, Any]]:
    """FamilyTeam on this database, then bare PTB, each at each concurrency, with `presses` presses a run."""
    load = load or LoadProcess()
    fake_url = await load.start()
    try:
        ours = await _familyteam(url, load, fake_url, presses, levels)
        return ours + await _bare_ptb(load, fake_url, presses, levels)
    finally:
        await load.stop()


def run(url: str, presses: int, levels: list[int], *, in_process: bool = False) -> list[dict[str, Any]]:
    return asyncio.run(run_async(url, presses, levels, Load() if in_process else None))


def line(backend: str, rows: list[dict[str, Any]]) -> str:
    ours = {r["concurrency"]: r for r in rows if r["system"] == "familyteam"}
    bare = {r["concurrency"]: r for r in rows if r["system"] == "bare-ptb"}
    cells = [f"{ours[c]['per_s']:,.0f}/s (p50 {ours[c]['p50_ms']:.0f} / p99 {ours[c]['p99_ms']:.0f} ms, CPU "
             f"{ours[c]['cpu_ms_per_press']:.1f} ms) vs {bare[c]['per_s']:,.0f}/s (p50 {bare[c]['p50_ms']:.0f} / p99 "
             f"{bare[c]['p99_ms']:.0f} ms, CPU {bare[c]['cpu_ms_per_press']:.1f} ms)" for c in sorted(ours)]
    locked = max((r.get("locked", 0) for r in rows), default=0)
    return f"| {backend} | {' | '.join(cells)} | {locked} |"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--presses", type=int, default=1000, help="presses per run (one run per concurrency)")
    parser.add_argument("--concurrency", default="1,40")
    parser.add_argument("--backends", default="sqlite,postgresql",
                        help="which to run (postgresql only with FAMILYTEAM_BENCH_POSTGRES_URL)")
    args = parser.parse_args()
    levels = [int(n) for n in args.concurrency.split(",")]
    results: list[tuple[str, list[dict[str, Any]]]] = []
    if "sqlite" in args.backends:
        with tempfile.TemporaryDirectory() as tmp:
            results.append(("sqlite", run(f"sqlite:///{Path(tmp) / 'inbound.db'}", args.presses, levels)))
    pg = os.environ.get("FAMILYTEAM_BENCH_POSTGRES_URL")
    if pg and "postgresql" in args.backends:
        results.append(("postgresql", run(pg, args.presses, levels)))
    print(json.dumps([{"backend": b} | r for b, rows in results for r in rows], indent=2))
    print("| backend | " + " | ".join(f"concurrency {c}: FamilyTeam vs bare PTB" for c in levels) + " | locked |")
    for backend, rows in results:
        print(line(backend, rows))


if __name__ == "__main__":
    main()
