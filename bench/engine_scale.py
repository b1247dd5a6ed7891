"""How the engine, the dispatcher and the inbound path scale with the number of families.

    .venv/bin/python -m bench.engine_scale [--families 200] [--database-url URL]

Builds N families (4 members, 4 commitments, 2 bottom lines each) through the real services on a
fresh database, then times, on a hand-moved clock:
  - an idle sweep (nothing due: the steady state between check-ins),
  - the sweep at 19:00 when every family's evening check-in falls due (asked, rows in the outbox),
  - delivering those messages through a transport that does no I/O (dispatcher overhead per message),
  - members answering through the router (one transaction each: per-answer latency),
  - the sweep at 20:00 when the unanswered ones are missed and escalate.
Results are printed as a Markdown table row for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bot.app import App
from bot.bootstrap import build
from bot.clock import ManualClock
from bot.ports import Delivery, Inbound
from bot.services.context import Actor
from bot.services.families import create_family
from bot.services.invites import accept_invite, check_invite, create_invite
from bot.services.plans import apply_plan
from bot.settings import Settings
from messages.outbound import OutboundMessage

PLAN = Path(__file__).resolve().parent.parent / "examples" / "rowan-family.toml"
MEMBERS = [("Gran", "key_safety_person"), ("Aunt Sue", "key_safety_person"), ("Tom", "supporter"),
           ("Ms Patel", "supporter")]


class NullTransport:
    platform = "console"

    def __init__(self) -> None:
        self.sent = 0
        self.last: dict[str, OutboundMessage] = {}

    async def send(self, external_id: str, message: OutboundMessage, thread_ref: str | None = None) -> Delivery:
        self.sent += 1
        self.last[external_id] = message
        return Delivery(str(self.sent))

    async def edit(self, external_id: str, ref: str, message: OutboundMessage) -> Delivery:
        return Delivery(ref)


def populate(app: App, families: int) -> None:
    plan = PLAN.read_text()
    actor = Actor.cli("bench")
    for i in range(families):
        def one(ctx, i=i):  # type: ignore[no-untyped-def]
            family = create_family(ctx, actor, alias=f"family {i}", timezone="Europe/London",
                                   caseworker=f"console:cw{i % 20}", supervisor="console:sup", duty="console:duty")
            for name, role in MEMBERS:
                new = create_invite(ctx, actor, family.id, name, role)
                check_invite(ctx, new.code, "console", f"{i}-{name}")  # the chat opens its invite
                accept_invite(ctx, ctx.s.scalar(_invite_id(new.membership.id)), "console", f"{i}-{name}")
            apply_plan(ctx, actor, family.id, plan, "bench")
        app.call(one)


def _invite_id(membership_id: int):  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from storage.models import Invite

    return select(Invite.id).where(Invite.membership_id == membership_id).order_by(Invite.id.desc()).limit(1)


async def timed(coro) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    await coro
    return time.perf_counter() - start


async def run(families: int, url: str | None) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        db_url = url or f"sqlite:///{tmp}/bench.db"
        clock = ManualClock(datetime(2026, 11, 30, 8, 0, tzinfo=UTC))
        transport = NullTransport()
        app = build(Settings(DATABASE_URL=db_url, FAMILYTEAM_SECRET="bench"), clock=clock, transports=[transport])
        t0 = time.perf_counter()
        populate(app, families)
        await app.tick()
        out = {"setup_s": time.perf_counter() - t0}
        clock.set(datetime(2026, 11, 30, 12, 0, tzinfo=UTC))
        await app.tick()
        idle = [await timed(app.engine.tick()) for _ in range(5)]
        out["idle_sweep_ms"] = statistics.median(idle) * 1000
        clock.set(datetime(2026, 11, 30, 19, 0, tzinfo=UTC))
        out["due_sweep_ms"] = await timed(app.engine.tick()) * 1000
        before = transport.sent
        dispatch = await timed(app.dispatcher.dispatch_once())
        delivered = transport.sent - before
        out["delivered"] = delivered
        out["dispatch_per_msg_ms"] = dispatch / max(delivered, 1) * 1000
        latencies = []
        for i in range(0, families, 2):  # half the families' evening callers answer
            message = transport.last[f"{i}-Aunt Sue"]
            done = message.buttons[0][0].data
            start = time.perf_counter()
            await app.handle(Inbound("console", f"{i}-Aunt Sue", "button", data=done, event_id=f"b{i}"))
            latencies.append(time.perf_counter() - start)
        out["answer_p50_ms"] = statistics.median(latencies) * 1000
        out["answer_p95_ms"] = sorted(latencies)[int(len(latencies) * 0.95) - 1] * 1000
        clock.set(datetime(2026, 11, 30, 20, 0, tzinfo=UTC))
        out["miss_escalate_sweep_ms"] = await timed(app.engine.tick()) * 1000
        out["escalation_msgs_dispatch_ms"] = await timed(app.dispatcher.dispatch_once()) * 1000
        app.db.dispose()
        return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--families", type=int, default=200)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    r = asyncio.run(run(args.families, args.database_url))
    backend = (args.database_url or "sqlite").split(":")[0].split("+")[0]
    print("| backend | families | idle sweep | sweep at 19:00 (asks) | dispatch / msg | answer p50 / p95 "
          "| sweep at 20:00 (miss+escalate) |")
    print(f"| {backend} | {args.families} | {r['idle_sweep_ms']:.1f} ms | {r['due_sweep_ms']:.0f} ms "
          f"({int(r['delivered'])} msgs) | {r['dispatch_per_msg_ms']:.2f} ms | {r['answer_p50_ms']:.1f} / "
          f"{r['answer_p95_ms']:.1f} ms | {r['miss_escalate_sweep_ms']:.0f} ms |")


if __name__ == "__main__":
    main()
