"""The other side of bench/inbound.py: a fake Bot API (what the bot calls at start-up, and answerCallbackQuery,
timed) and the load (webhook POSTs of button presses at a fixed concurrency, each timed until its press is
answered: in the webhook's HTTP response, or by an answerCallbackQuery request to the fake).

`python -m bench.inbound_load` runs it as its own process, so the load and the fake do not share the bot's
interpreter lock: it prints the fake's URL, then reads one JSON command a line on stdin ({"url", "secret",
"bodies", "concurrency"}) and prints one JSON result a line. `Load` runs the same in-process (the tiny test).
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from typing import Any

import aiohttp
from aiohttp import web

TOKEN = "123456:bench-token_for-the-fake"
ANSWER_WAIT = 30.0  # at most this long after the last response for answers sent as requests


class FakeApi:
    """Just enough Bot API for the bot's start-up, and answerCallbackQuery recording when each query was
    answered (wall clock: the load and the answers may be in two processes)."""

    def __init__(self) -> None:
        self.answered: dict[str, float] = {}
        self.answer_requests = 0
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> str:
        webapp = web.Application()
        webapp.router.add_post("/bot{token}/{method}", self._route)
        self._runner = web.AppRunner(webapp, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _route(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params: dict[str, Any] = dict(await request.post()) if request.content_type != "application/json" \
            else await request.json()
        result: Any = True
        if method == "getMe":
            result = {"id": 123456, "is_bot": True, "first_name": "Bench", "username": "bench_bot"}
        elif method == "answerCallbackQuery":
            self.answer_requests += 1
            self.answered.setdefault(str(params.get("callback_query_id")), time.time())
        return web.json_response({"ok": True, "result": result})


def _percentile(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if q < 100 else max(values)


class Load:
    """POSTs `bodies` to the webhook with `concurrency` requests in flight; the fake Bot API alongside."""

    def __init__(self) -> None:
        self.fake = FakeApi()

    async def start(self) -> str:
        return await self.fake.start()

    async def stop(self) -> None:
        await self.fake.stop()

    async def run(self, url: str, secret: str, bodies: list[dict[str, Any]], concurrency: int) -> dict[str, Any]:
        requests_before = self.fake.answer_requests
        todo = iter(bodies)
        sent: dict[str, float] = {}
        in_response: dict[str, float] = {}
        responded: list[float] = []
        statuses: dict[str, int] = {}
        headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret}

        async def worker(session: aiohttp.ClientSession) -> None:
            for body in todo:
                query = body["callback_query"]["id"]
                data = json.dumps(body)
                sent[query] = time.time()
                async with session.post(url, data=data, headers=headers) as resp:
                    reply = await resp.read()
                    responded.append((time.time() - sent[query]) * 1000)
                    statuses[str(resp.status)] = statuses.get(str(resp.status), 0) + 1
                    if b'"answerCallbackQuery"' in reply and query in reply.decode():
                        in_response[query] = time.time()

        connector = aiohttp.TCPConnector(limit=concurrency)
        async with aiohttp.ClientSession(connector=connector) as session:
            await asyncio.gather(*(worker(session) for _ in range(concurrency)))
        deadline = time.monotonic() + ANSWER_WAIT
        while any(q not in in_response and q not in self.fake.answered for q in sent) and time.monotonic() < deadline:
            await asyncio.sleep(0.01)  # answers sent as requests (polling, bare PTB) may trail the responses
        answered = {q: in_response.get(q) or self.fake.answered.get(q) for q in sent}
        latencies = [(at - sent[q]) * 1000 for q, at in answered.items() if at is not None]
        ends = [at for at in answered.values() if at is not None]
        seconds = (max(ends) - min(sent.values())) if ends else 0.0
        return {"presses": len(bodies), "answered": len(latencies), "seconds": round(seconds, 3),
                "per_s": round(len(latencies) / seconds, 1) if seconds else 0.0,
                "p50_ms": round(_percentile(latencies, 50), 2), "p99_ms": round(_percentile(latencies, 99), 2),
                "response_p50_ms": round(_percentile(responded, 50), 2),
                "response_p99_ms": round(_percentile(responded, 99), 2), "statuses": statuses,
                "answered_in_response": len(in_response),
                "answer_requests": self.fake.answer_requests - requests_before}


class ChildProcess:
    """A bench helper in a child process (`python -m <args>`), driven over its stdin and stdout: it prints its
    address first, then answers each JSON command line with one JSON line."""

    def __init__(self, *args: str) -> None:
        self.args = args
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> str:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, *self.args, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, limit=1 << 24)
        assert self.proc.stdout is not None
        return (await self.proc.stdout.readline()).decode().strip()

    async def call(self, command: dict[str, Any]) -> dict[str, Any]:
        assert self.proc is not None and self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(command).encode() + b"\n")
        await self.proc.stdin.drain()
        result: dict[str, Any] = json.loads(await self.proc.stdout.readline())
        return result

    async def stop(self) -> None:
        if self.proc is not None and self.proc.stdin is not None:
            self.proc.stdin.close()
            await self.proc.wait()


class LoadProcess(ChildProcess):
    """The same Load in a child process (`python -m bench.inbound_load`)."""

    def __init__(self) -> None:
        super().__init__("-m", "bench.inbound_load")

    async def run(self, url: str, secret: str, bodies: list[dict[str, Any]], concurrency: int) -> dict[str, Any]:
        return await self.call({"url": url, "secret": secret, "bodies": bodies, "concurrency": concurrency})


async def _serve() -> None:
    load = Load()
    print(await load.start(), flush=True)
    loop = asyncio.get_running_loop()
    try:
        while line := await loop.run_in_executor(None, sys.stdin.readline):
            command = json.loads(line)
            result = await load.run(command["url"], command["secret"], command["bodies"], command["concurrency"])
            print(json.dumps(result), flush=True)
    finally:
        await load.stop()


if __name__ == "__main__":
    asyncio.run(_serve())
