"""Joins at once: N people open the bot with their own invite link at the same moment, N `/start CODE`
messages (distinct chats, distinct valid invite codes of pending memberships) reach the real webhook (the
aiohttp route with its secret, PTB's Update, the conversation router, the invite check), and the real
dispatcher sends each reply through the real Telegram transport (python-telegram-bot) to a fake Bot API that
enforces 30 messages/s overall and 1/s per chat (`tests/support/fake_trouble.Limits`: 429 beyond them).

    .venv/bin/python -m bench.joins [--joins 1000] [--concurrency 40] [--backends sqlite,postgresql]
                                    [--no-reference]

Measured: from the first join sent until every join's reply has been accepted by the fake API; each join's
wait from that moment (p50 / p99), 429s, duplicates, missing replies, what each chat got first; the bot
process's CPU time. Telegram holds a webhook's burst and delivers it with at most `max_connections` requests
in flight (40 unless setWebhook says otherwise, and the adapter does not): `--concurrency`. References in the
same run: the limits' own bound (messages / 30 s) and bare python-telegram-bot (its own webhook server,
`concurrent_updates`, a /start handler that replies at once through PTB's AIORateLimiter; no database).

Families are bulk-built (bench/bulk.py) and each gets one invite from the real invite service. The load and the
fake Bot API run in a child process (`python -m bench.joins --side`), so they do not share the bot's
interpreter lock. SQLite in a temporary file; PostgreSQL too when FAMILYTEAM_BENCH_POSTGRES_URL names a
throwaway database (its public schema is dropped and rebuilt). Prints JSON, then lines for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Protocol

import aiohttp
from aiohttp import web
from sqlalchemy import create_engine

from bench import bulk
from bench.engine_ticks import _fresh
from bench.inbound import SECRET, _port, serve_webhook, start_bare_webhook, webhook_settings
from bench.inbound_load import ChildProcess
from bot.bootstrap import build
from bot.clock import SystemClock
from bot.services import invites
from bot.services.context import Actor
from tests.support.fake_telegram import TOKEN, FakeTelegram
from tests.support.fake_trouble import Limits

PER_SECOND = 30

FIRST_USER = 700_000_000  # the joining people's Telegram ids (= their private chats' ids)
BARE = 800_000_000  # bare PTB's people
WAIT = 180.0  # the side gives up on replies this long after the burst


def start_update(n: int, user: int, code: str) -> dict[str, Any]:
    """Person `user` sends `/start CODE` (what Telegram sends when an invite link t.me/bot?start=CODE is opened)."""
    text = f"/start {code}"
    return {"update_id": n, "message": {
        "message_id": 1, "date": 1_700_000_000, "chat": {"id": user, "type": "private"},
        "from": {"id": user, "is_bot": False, "first_name": "Joiner", "language_code": "en"}, "text": text,
        "entities": [{"type": "bot_command", "offset": 0, "length": len("/start")}]}}


class TimedFake(FakeTelegram):
    """The fake Bot API, noting when each message was accepted (wall clock: the bot is another process)."""

    def __init__(self) -> None:
        super().__init__(token=TOKEN, limits=Limits(PER_SECOND))
        self.accepted_at: list[float] = []  # beside self.messages

    async def _api_sendMessage(self, p: dict[str, Any]) -> Any:
        result = await super()._api_sendMessage(p)
        if not isinstance(result, web.Response):
            self.accepted_at.append(time.time())
        return result

    def reset(self) -> None:
        self.limits, self.accepted_at, self.messages, self.calls = Limits(PER_SECOND), [], [], []


class Side:
    """The fake Bot API and the load: POSTs the bodies to the webhook with `concurrency` in flight, then waits
    until every chat has `expect` messages (and `settle` seconds more, for any extra); what each chat got."""

    def __init__(self) -> None:
        self.fake = TimedFake()

    async def start(self) -> str:
        return await self.fake.start()

    async def stop(self) -> None:
        await self.fake.stop()

    async def run(self, command: dict[str, Any]) -> dict[str, Any]:
        self.fake.reset()
        bodies: list[dict[str, Any]] = command["bodies"]
        chats = [b["message"]["chat"]["id"] for b in bodies]
        cpu = time.process_time()
        sent, statuses, answered = await self._post(command["url"], command["secret"], bodies, command["concurrency"])
        await self._until_delivered(set(chats), command["expect"], WAIT)
        await asyncio.sleep(command["settle"])
        got: dict[int, list[tuple[float, int, str]]] = {c: [] for c in chats}
        for message, at in zip(self.fake.messages, self.fake.accepted_at, strict=True):
            if message.chat_id in got:
                got[message.chat_id].append((at, len(message.labels()), message.text))
        assert self.fake.limits is not None
        return {"sent": {str(c): t for c, t in sent.items()}, "statuses": statuses, "answered": answered,
                "got": {str(c): v for c, v in got.items()}, "refused_429": self.fake.limits.refused,
                "side_cpu_s": round(time.process_time() - cpu, 2)}

    @staticmethod
    async def _post(url: str, secret: str, bodies: list[dict[str, Any]], concurrency: int
                    ) -> tuple[dict[int, float], dict[str, int], float]:
        todo = iter(bodies)
        sent: dict[int, float] = {}
        statuses: dict[str, int] = {}
        headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret}

        async def worker(session: aiohttp.ClientSession) -> None:
            for body in todo:
                sent[body["message"]["chat"]["id"]] = time.time()
                async with session.post(url, data=json.dumps(body), headers=headers) as resp:
                    await resp.read()
                    statuses[str(resp.status)] = statuses.get(str(resp.status), 0) + 1

        connector = aiohttp.TCPConnector(limit=concurrency)
        async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=WAIT)) as session:
            await asyncio.gather(*(worker(session) for _ in range(concurrency)))
        return sent, statuses, time.time()

    async def _until_delivered(self, chats: set[int], expect: int, timeout: float) -> None:
        def done() -> bool:
            counts: dict[int, int] = {}
            for m in self.fake.messages:
                counts[m.chat_id] = counts.get(m.chat_id, 0) + 1
            return all(counts.get(c, 0) >= expect for c in chats)

        with contextlib.suppress(TimeoutError):
            async with self.fake._sent:
                await asyncio.wait_for(self.fake._sent.wait_for(done), timeout)


class SideProcess(ChildProcess):
    """The same Side in a child process (`python -m bench.joins --side`)."""

    def __init__(self) -> None:
        super().__init__("-m", "bench.joins", "--side")

    async def run(self, command: dict[str, Any]) -> dict[str, Any]:
        return await self.call(command)


class Loader(Protocol):
    async def start(self) -> str: ...
    async def run(self, command: dict[str, Any]) -> dict[str, Any]: ...
    async def stop(self) -> None: ...


def _percentile(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def summary(side: dict[str, Any], expect: int) -> dict[str, Any]:
    """From what the side saw: all delivered when, each join's wait, and what went wrong."""
    sent = {c: t for c, t in side["sent"].items()}
    got: dict[str, list[list[Any]]] = side["got"]
    start = min(sent.values())
    done = {c: msgs[expect - 1][0] for c, msgs in got.items() if len(msgs) >= expect}
    waits = [(at - start) * 1000 for at in done.values()]
    own = [(at - sent[c]) * 1000 for c, at in done.items()]
    messages = sum(len(m) for m in got.values())
    return {"joins": len(sent), "delivered": len(done), "missing": len(sent) - len(done),
            "seconds": round(max(done.values()) - start, 2) if done else None, "messages": messages,
            "messages_per_join": round(messages / len(sent), 3),
            "duplicates": sum(len(m) - len({text for _, _, text in m}) for m in got.values()),
            "first_not_consent": sum(1 for m in got.values() if m and m[0][1] != 2),  # agree / decline buttons
            "wait_p50_ms": round(_percentile(waits, 50)), "wait_p99_ms": round(_percentile(waits, 99)),
            "own_p50_ms": round(_percentile(own, 50)), "own_p99_ms": round(_percentile(own, 99)),
            "webhooks_answered_s": round(side["answered"] - start, 2),
            "first_reply_s": round(min(m[0][0] for m in got.values() if m) - start, 2) if messages else None,
            "refused_429": side["refused_429"], "statuses": side["statuses"], "side_cpu_s": side["side_cpu_s"],
            "bound_s": round(messages / PER_SECOND, 2)}


def _prepare(url: str, joins: int) -> None:
    _fresh(url)
    engine = create_engine(url)
    bulk.build(engine, joins, 1)
    engine.dispose()


async def _dispatching(app: Any) -> None:
    """The scheduler's dispatch job (every dispatch_seconds; the router's kicks start turns in between)."""
    while True:
        await app.dispatcher.dispatch_once()
        await asyncio.sleep(app.settings.dispatch_seconds)


async def familyteam(url: str, side: Loader, fake_url: str, joins: int, concurrency: int, settle: float,
                     expect: int = 1) -> dict[str, Any]:
    _prepare(url, joins)
    sock, port = _port()
    settings, hook = webhook_settings(url, fake_url, port, TOKEN)
    app = build(settings, clock=SystemClock(), transports=[])
    codes = app.call(lambda ctx: [invites.create_invite(ctx, Actor.cli("bench"), family, f"Joiner {family}",
                                                        "supporter").code for family in range(1, joins + 1)])
    adapter, runner = await serve_webhook(app, sock, sends=True)
    ticking = asyncio.create_task(_dispatching(app))
    gc.collect()
    gc.freeze()  # as the running bot does once started
    bodies = [start_update(i + 1, FIRST_USER + i, code) for i, code in enumerate(codes)]
    try:
        cpu = time.process_time()
        seen = await side.run({"url": hook, "secret": SECRET, "bodies": bodies, "concurrency": concurrency,
                               "expect": expect, "settle": settle})
        cpu_s = time.process_time() - cpu
    finally:
        gc.unfreeze()
        ticking.cancel()
        await asyncio.gather(ticking, return_exceptions=True)
        await app.dispatcher.finish()
        await adapter.stop()
        await runner.cleanup()
        app.db.dispose()
    out = summary(seen, expect)
    return {"system": "familyteam", "concurrency": concurrency, "cpu_s": round(cpu_s, 2),
            "cpu_ms_per_join": round(cpu_s * 1000 / joins, 2)} | out


async def bare_ptb(side: Loader, fake_url: str, joins: int, concurrency: int, settle: float) -> dict[str, Any]:
    """python-telegram-bot as its documentation sets it up: its own webhook server, updates handled concurrently,
    a /start handler replying at once with a question and two buttons, AIORateLimiter for the overall 30/s."""
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
    from telegram.ext import AIORateLimiter, Application, CommandHandler, ContextTypes

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        buttons = [[InlineKeyboardButton("I agree", callback_data="y"), InlineKeyboardButton("No", callback_data="n")]]
        await update.message.reply_text(f"Join the family? ({' '.join(context.args or [])})",
                                        reply_markup=InlineKeyboardMarkup(buttons))

    ptb = (Application.builder().token(TOKEN).base_url(f"{fake_url}/bot").concurrent_updates(True)
           .connection_pool_size(256).rate_limiter(AIORateLimiter(max_retries=5)).build())
    ptb.add_handler(CommandHandler("start", start))
    hook = await start_bare_webhook(ptb)
    bodies = [start_update(BARE + i, BARE + i, f"CODE{i}") for i in range(joins)]
    try:
        cpu = time.process_time()
        seen = await side.run({"url": hook, "secret": SECRET, "bodies": bodies, "concurrency": concurrency,
                               "expect": 1, "settle": settle})
        cpu_s = time.process_time() - cpu
    finally:
        await ptb.updater.stop()
        await ptb.stop()
        await ptb.shutdown()
    return {"system": "bare-ptb", "concurrency": concurrency, "cpu_s": round(cpu_s, 2),
            "cpu_ms_per_join": round(cpu_s * 1000 / joins, 2)} | summary(seen, 1)


async def run_async(url: str, joins: int, concurrency: int, *, reference: bool = True, settle: float = 2.0,
                    side: Loader | None = None) -> list[dict[str, Any]]:
    """FamilyTeam on this database, then (`reference`) bare PTB, each with `joins` joins at once."""
    side = side or SideProcess()
    fake_url = await side.start()
    try:
        rows = [await familyteam(url, side, fake_url, joins, concurrency, settle)]
        if reference:
            rows.append(await bare_ptb(side, fake_url, joins, concurrency, settle))
        return rows
    finally:
        await side.stop()


def run(url: str, joins: int, concurrency: int, *, reference: bool = True, settle: float = 2.0,
        in_process: bool = False) -> list[dict[str, Any]]:
    return asyncio.run(run_async(url, joins, concurrency, reference=reference, settle=settle,
                                 side=Side() if in_process else None))


def lines(backend: str, rows: list[dict[str, Any]]) -> list[str]:
    out = []
    for r in rows:
        what = "FamilyTeam: webhook, router, dispatcher, PTB transport" if r["system"] == "familyteam" \
            else "bare PTB, AIORateLimiter (reference)"
        out.append(f"| {backend} | {what} | {r['concurrency']} | {r['joins']:,} / {r['messages']:,} | "
                   f"{r['webhooks_answered_s']} | {r['first_reply_s']} | {r['seconds']} | "
                   f"{r['wait_p50_ms'] / 1000:.1f} / {r['wait_p99_ms'] / 1000:.1f} s | {r['refused_429']} | "
                   f"{r['duplicates']} | {r['missing']} | {r['cpu_ms_per_join']} ms |")
    r = rows[0]
    out.append(f"| {backend} | the limits' bound (reference) | - | {r['joins']:,} / {r['messages']:,} | - | 0 | "
               f"{r['bound_s']} | - | 0 | 0 | 0 | - |")
    return out


HEADER = ["| backend | what | in flight | joins / messages | all /start answered (s) | first reply (s) | "
          "all delivered (s) | wait p50 / p99 | 429s | duplicates | missing | CPU / join |",
          "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]


async def _serve() -> None:
    side = Side()
    print(await side.start(), flush=True)
    loop = asyncio.get_running_loop()
    try:
        while line := await loop.run_in_executor(None, sys.stdin.readline):
            print(json.dumps(await side.run(json.loads(line))), flush=True)
    finally:
        await side.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--joins", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=40, help="webhook requests in flight (Telegram: 40)")
    parser.add_argument("--backends", default="sqlite,postgresql",
                        help="which to run (postgresql only with FAMILYTEAM_BENCH_POSTGRES_URL)")
    parser.add_argument("--no-reference", dest="reference", action="store_false", help="skip bare PTB")
    parser.add_argument("--side", action="store_true", help=argparse.SUPPRESS)  # the child process
    args = parser.parse_args()
    if args.side:
        asyncio.run(_serve())
        return
    results: list[tuple[str, list[dict[str, Any]]]] = []
    if "sqlite" in args.backends:
        with tempfile.TemporaryDirectory() as tmp:
            results.append(("sqlite", run(f"sqlite:///{Path(tmp) / 'joins.db'}", args.joins, args.concurrency,
                                          reference=args.reference)))
    pg = os.environ.get("FAMILYTEAM_BENCH_POSTGRES_URL")
    if pg and "postgresql" in args.backends:
        results.append(("postgresql", run(pg, args.joins, args.concurrency, reference=args.reference)))
    print(json.dumps([{"backend": b} | r for b, rows in results for r in rows], indent=2))
    print("\n".join(HEADER + [line for backend, rows in results for line in lines(backend, rows)]))


if __name__ == "__main__":
    main()
