"""Outbound at the platform's limits: N messages to M chats through the outbox dispatcher and the real Telegram
transport (python-telegram-bot), against a fake Bot API that enforces 30 messages/s overall and 1/s per chat
(429 with retry_after beyond them, counted); and an escalation's latency when it is written behind a queue
of routine messages.

    .venv/bin/python -m bench.outbound [--messages 3000] [--chats 1000] [--queued 10000] [--faults 0.2]
                                       [--faults-messages 600] [--no-reference]

References measured in the same run: bare python-telegram-bot sending the same messages (each chat's
messages a second apart, PTB's own AIORateLimiter for the overall 30/s, no database), and the limit's own
bound (max(N/30, messages per chat - 1) seconds). Then the same under faults: a share of the calls answered
429, 502, or too late (taken, but after the client's timeout), with escalation alerts among the routine
messages. SQLite in a temporary file; the real clock. Checks: every message delivered, once (an alert may
arrive twice after an unknown outcome: counted), per-chat order. Prints JSON, then lines for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import math
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bot import metrics
from bot.app import App
from bot.bootstrap import build
from bot.clock import SystemClock
from bot.domain.vocabulary import OutboxPurpose, OutboxState, Priority
from bot.engine.engine import next_delivery
from bot.services import notify
from bot.services.people import known_identity
from bot.settings import Settings
from handlers.telegram.adapter import TelegramAdapter
from messages.outbound import OutboundMessage
from storage.models import OutboxMessage
from tests.support.fake_telegram import TOKEN, FakeTelegram
from tests.support.fake_trouble import Faults, Limits

PER_SECOND = 30
FIRST_CHAT = 100_000
DUTY_CHAT = 99


def _texts(messages: int, chats: int) -> list[tuple[int, str]]:
    """(chat id, text) in the order written: round robin, so message k of a chat is its k-th."""
    return [(FIRST_CHAT + i % chats, f"m{i // chats}") for i in range(messages)]


def _enqueue(app: App, items: list[tuple[int, str]], priority: int = Priority.NORMAL,
             purpose: OutboxPurpose = OutboxPurpose.CHECKIN) -> None:
    def write(ctx: Any) -> None:
        ids: dict[int, int] = {}
        for chat, text in items:
            if chat not in ids:
                ids[chat] = known_identity(ctx, "telegram", str(chat)).id
            notify.enqueue(ctx, ids[chat], OutboundMessage(text), key=f"{chat}:{text}:{priority}", family_id=None,
                           priority=priority, purpose=purpose)
    app.call(write)


def _left(app: App) -> int:
    with app.db.session() as s:
        return s.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.state.in_([OutboxState.PENDING, OutboxState.SENDING]))) or 0


async def _drain(app: App) -> None:
    """Dispatch until nothing is left, sleeping until the next row falls due in between."""
    while True:
        await app.dispatcher.dispatch_once()
        if not _left(app):
            return
        due = next_delivery(app.db, app.clock.now(), ["telegram"])
        wait = (due - app.clock.now()).total_seconds() if due else 0.05
        await asyncio.sleep(min(1.0, max(0.01, wait)))


async def _app(url: str, fake: FakeTelegram, send_timeout: float = 5.0) -> tuple[App, TelegramAdapter]:
    settings = Settings(DATABASE_URL=url, FAMILYTEAM_SECRET="bench", TELEGRAM_BOT_TOKEN=TOKEN,
                        TELEGRAM_API_BASE_URL=fake.url)
    app = build(settings, clock=SystemClock(), transports=[])
    adapter = TelegramAdapter(app.settings, sink=app.handle, send_timeout=send_timeout)
    app.add_transport(adapter)
    await adapter.bot.initialize()
    return app, adapter


def _checked(fake: FakeTelegram, items: list[tuple[int, str]]) -> dict[str, int]:
    """Inversions (a chat's later message before an earlier one), duplicates and messages missing."""
    inversions = duplicates = 0
    for chat in {c for c, _ in items}:
        got = [int(t[1:]) for t in fake.texts(chat)]
        inversions += sum(1 for a, b in itertools.pairwise(got) if b < a)
        duplicates += len(got) - len(set(got))
    missing = len(set(items) - {(m.chat_id, m.text) for m in fake.messages})
    return {"inversions": inversions, "duplicates": duplicates, "missing": missing}


async def outbound(url: str, messages: int, chats: int) -> dict[str, Any]:
    fake = FakeTelegram(limits=Limits(PER_SECOND))
    await fake.start()
    app, adapter = await _app(url, fake)
    try:
        items = _texts(messages, chats)
        _enqueue(app, items)
        start = time.perf_counter()
        await _drain(app)
        seconds = time.perf_counter() - start
    finally:
        await adapter.bot.shutdown()
        await fake.stop()
        app.db.dispose()
    bound = max(messages / PER_SECOND, math.ceil(messages / chats) - 1.0)
    assert fake.limits is not None
    return {"messages": messages, "chats": chats, "seconds": round(seconds, 2),
            "per_second": round(messages / seconds, 2), "share_of_limit": round(messages / seconds / PER_SECOND, 3),
            "refused_429": fake.limits.refused, "bound_s": round(bound, 2),
            "bound_per_second": round(messages / bound, 2)} | _checked(fake, items)


async def faults(url: str, messages: int, chats: int, alerts: int, rate: float) -> dict[str, Any]:
    """The same sending with a share `rate` of sendMessage calls in trouble (429, 502, or answered after the
    client gave up although sent), and `alerts` escalation alerts to ten duty chats among the routine ones."""
    fake = FakeTelegram(limits=Limits(PER_SECOND), faults=Faults(rate, stall=0.6))
    await fake.start()
    app, adapter = await _app(url, fake, send_timeout=0.3)
    items = _texts(messages, chats)
    alert_items = [(DUTY_CHAT - k % 10, f"m{k // 10}") for k in range(alerts)]
    counted = metrics.count(metrics.DUPLICATES, platform="telegram", purpose="escalation")
    try:
        _enqueue(app, items)
        _enqueue(app, alert_items, Priority.URGENT, OutboxPurpose.ESCALATION)
        start = time.perf_counter()
        await _drain(app)
        seconds = time.perf_counter() - start
    finally:
        await adapter.bot.shutdown()
        await fake.stop()
        app.db.dispose()
    routine, alert = _checked(fake, items), _checked(fake, alert_items)
    assert fake.faults is not None
    return {"messages": messages, "chats": chats, "alerts": alerts, "fault_rate": rate, "seconds": round(seconds, 2),
            "faults": fake.faults.counts, "missing": routine["missing"] + alert["missing"],
            "inversions": routine["inversions"] + alert["inversions"], "routine_duplicates": routine["duplicates"],
            "alert_duplicates": alert["duplicates"],
            "alert_duplicates_counted": int(metrics.count(metrics.DUPLICATES, platform="telegram",
                                                          purpose="escalation") - counted)}


async def bare_ptb(messages: int, chats: int) -> dict[str, Any]:
    """The reference: python-telegram-bot on its own, no database: each chat's messages a second apart, PTB's
    AIORateLimiter (30/s overall) spacing the rest, its retries honouring retry_after."""
    from telegram import Bot
    from telegram.ext import AIORateLimiter, ExtBot
    from telegram.request import HTTPXRequest

    fake = FakeTelegram(limits=Limits(PER_SECOND))
    await fake.start()
    bot: Bot = ExtBot(TOKEN, base_url=f"{fake.url}/bot", request=HTTPXRequest(connection_pool_size=256),
                      rate_limiter=AIORateLimiter(max_retries=5))
    await bot.initialize()
    items = _texts(messages, chats)

    async def chat(chat_id: int, texts: list[str]) -> None:
        for i, text in enumerate(texts):
            if i:
                await asyncio.sleep(1.0)
            await bot.send_message(chat_id, text)

    per_chat: dict[int, list[str]] = {}
    for chat_id, text in items:
        per_chat.setdefault(chat_id, []).append(text)
    start = time.perf_counter()
    try:
        await asyncio.gather(*(chat(c, t) for c, t in per_chat.items()))
        seconds = time.perf_counter() - start
    finally:
        await bot.shutdown()
        await fake.stop()
    assert fake.limits is not None
    return {"messages": messages, "chats": chats, "seconds": round(seconds, 2),
            "per_second": round(messages / seconds, 2), "refused_429": fake.limits.refused} | _checked(fake, items)


async def escalation_latency(url: str, queued: int, chats: int, warm: float = 2.0) -> dict[str, Any]:
    """Routine messages queued and being sent; `warm` seconds in, an escalation alert is written: how long
    until the fake API has it."""
    fake = FakeTelegram(limits=Limits(PER_SECOND))
    await fake.start()
    app, adapter = await _app(url, fake)
    sending = None
    try:
        _enqueue(app, _texts(queued, chats))
        sending = asyncio.create_task(_drain(app))
        await asyncio.sleep(warm)
        before = len(fake.messages)
        written = time.perf_counter()
        _enqueue(app, [(DUTY_CHAT, "m0")], Priority.URGENT, OutboxPurpose.ESCALATION)
        app.kick()
        await fake.wait_message(DUTY_CHAT, timeout=60)
        latency = time.perf_counter() - written
        behind = len(fake.messages) - before - 1
    finally:
        for task in (sending, app._kicked):
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        # The cancelled turn's last database calls finish in their threads: on SQLite the one writer thread takes
        # work in order, so a call queued now runs after them; elsewhere a moment's grace.
        await app.db.run(lambda _s: None)
        await asyncio.sleep(0 if app.db.single_writer else 0.5)
        await adapter.bot.shutdown()
        await fake.stop()
        app.db.dispose()
    assert fake.limits is not None
    return {"queued": queued, "chats": chats, "latency_s": round(latency, 3), "routine_sent_meanwhile": behind,
            "token_interval_s": round(1 / PER_SECOND, 3), "refused_429": fake.limits.refused}


def lines(out: dict[str, Any]) -> list[str]:
    r = out["dispatcher"]
    rows = ["| what | messages / chats | seconds | messages/s (of 30/s) | 429s | order inversions | duplicates |",
            "| --- | --- | --- | --- | --- | --- | --- |",
            f"| dispatcher + PTB transport | {r['messages']:,} / {r['chats']:,} | {r['seconds']} | "
            f"{r['per_second']} ({r['share_of_limit']:.0%}) | {r['refused_429']} | {r['inversions']} | "
            f"{r['duplicates']} |"]
    if "bare_ptb" in out:
        b = out["bare_ptb"]
        rows.append(f"| bare PTB, AIORateLimiter (reference) | {b['messages']:,} / {b['chats']:,} | {b['seconds']} | "
                    f"{b['per_second']} ({b['per_second'] / PER_SECOND:.0%}) | {b['refused_429']} | "
                    f"{b['inversions']} | {b['duplicates']} |")
    rows.append(f"| the limits' bound (reference) | {r['messages']:,} / {r['chats']:,} | {r['bound_s']} | "
                f"{r['bound_per_second']} | 0 | 0 | 0 |")
    if "faults" in out:
        f = out["faults"]
        rows.append(f"\nfaults ({f['fault_rate']:.0%} of calls: {f['faults']}): {f['messages']:,} messages to "
                    f"{f['chats']:,} chats and {f['alerts']} alerts in {f['seconds']} s; missing {f['missing']}, "
                    f"order inversions {f['inversions']}, routine duplicates {f['routine_duplicates']}, alert "
                    f"duplicates {f['alert_duplicates']} (counted: {f['alert_duplicates_counted']})")
    if "latency" in out:
        lat = out["latency"]
        rows.append(f"\nescalation behind {lat['queued']:,} queued routine messages ({lat['chats']:,} chats): "
                    f"{lat['latency_s']} s from written to the API ({lat['routine_sent_meanwhile']} routine messages "
                    f"went meanwhile; one token every {lat['token_interval_s']} s); 429s: {lat['refused_429']}")
    return rows


async def _main(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:
        out["dispatcher"] = await outbound(f"sqlite:///{Path(tmp) / 'out.db'}", args.messages, args.chats)
        if args.faults:
            out["faults"] = await faults(f"sqlite:///{Path(tmp) / 'faults.db'}", args.faults_messages,
                                         args.faults_messages // 3, 50, args.faults)
        if args.queued:
            out["latency"] = await escalation_latency(f"sqlite:///{Path(tmp) / 'lat.db'}", args.queued, args.chats)
    if args.reference:
        out["bare_ptb"] = await bare_ptb(args.messages, args.chats)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--chats", type=int, default=1000)
    parser.add_argument("--queued", type=int, default=10000, help="routine messages ahead of an escalation (0: skip)")
    parser.add_argument("--faults", type=float, default=0.2, help="share of calls in trouble (0: skip)")
    parser.add_argument("--faults-messages", type=int, default=600)
    parser.add_argument("--no-reference", dest="reference", action="store_false", help="skip bare PTB")
    out = asyncio.run(_main(parser.parse_args()))
    print(json.dumps(out, indent=2))
    print("\n".join(lines(out)))


if __name__ == "__main__":
    main()
