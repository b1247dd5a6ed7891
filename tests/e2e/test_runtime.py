"""`familyteam run`'s runtime: one scheduler with a constant set of jobs, and the shared HTTP server."""

from __future__ import annotations

import asyncio
import socket

import aiohttp
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.bootstrap import build, console_transport
from tests.support.harness import PLAN, Harness, settings_for


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_scheduler_jobs_do_not_grow_with_families_and_healthz_answers(hs: Harness, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    for i in range(3):
        fid = hs.make_family(alias=f"family {i}")
        await hs.join(fid, "Gran", f"gran{i}", "key_safety_person")
        await hs.join(fid, "Sue", f"sue{i}", "key_safety_person")
        hs.apply(fid, PLAN)
    slack_only = hs.make_family(alias="family on slack", caseworker="slack:U0ANNA")  # Slack is off here
    await hs.join(slack_only, "Gran", "gran-slack", "key_safety_person")  # the caseworker's notice waits
    await hs.tick()
    port = _free_port()
    app = build(settings_for(hs.url, FAMILYTEAM_HTTP_PORT=port, FAMILYTEAM_SWEEP_SECONDS=3600), clock=hs.clock,
                transports=[console_transport()])
    seen: dict[str, object] = {}
    started = []
    original_start = AsyncIOScheduler.start

    def spy_start(self: AsyncIOScheduler, *a: object, **kw: object) -> None:
        started.append(self)
        original_start(self, *a, **kw)

    monkeypatch.setattr(AsyncIOScheduler, "start", spy_start)
    stop = asyncio.Event()

    async def on_ready() -> None:
        seen["jobs"] = sorted(job.id for job in started[0].get_jobs())
        async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{port}/healthz") as resp:
            seen["status"] = resp.status
            seen["body"] = await resp.json()
        stop.set()

    await asyncio.wait_for(app.run_forever(stop=stop, on_ready=on_ready), timeout=20)
    assert seen["jobs"] == ["checkpoint", "dispatch", "held", "sweep"], \
        "a constant set of jobs, none per check-in or family"
    assert seen["status"] == 200, seen.get("body")
    body = seen["body"]
    assert isinstance(body, dict) and body["ok"] is True and body["transports"] == ["console"]
    assert body["held_events"] == 0
    assert body["waiting_for_platform_off"].get("slack", 0) >= 1, "what waits for a platform this process lacks"
    assert "console" not in body["waiting_for_platform_off"]
