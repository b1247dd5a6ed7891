"""Start-up to healthy, and the running process's memory: `familyteam run` started as an operator starts it (a
new process; SQLite, or PostgreSQL with FAMILYTEAM_BENCH_POSTGRES_URL; no platform tokens, so the console
transport) on a database of bulk-built families (bench/bulk.py), timed from the process's start to the first
200 from /healthz; its peak RSS (VmHWM) is read once it is healthy and has run its first sweeps. Reference in
the same run: a bare interpreter's start, and the time to import the app's modules.

    .venv/bin/python -m bench.startup [--families 100000]

Prints JSON and a line for BENCHMARKS.md. Goal (issue 11): start-up to healthy <= 2 s and peak RSS <= 200 MiB
at 100,000 families."""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine

from bench import bulk
from bench.engine_ticks import _fresh

SETTLE = 3.0  # seconds of running (sweeps, the dispatcher) before the memory is read


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _python(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - start


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as resp:
            return bool(resp.status == 200)
    except OSError:
        return False


def _peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run(url: str, families: int, settle: float = SETTLE, references: bool = True) -> dict[str, Any]:
    _fresh(url)
    engine = create_engine(url)
    bulk.build(engine, families, max(1, families // 100))
    engine.dispose()
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url, "FAMILYTEAM_SECRET": "bench", "FAMILYTEAM_HTTP_PORT": str(port),
           "FAMILYTEAM_HTTP_HOST": "127.0.0.1", "FAMILYTEAM_LOG_LEVEL": "WARNING"}
    for name in ("TELEGRAM_BOT_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"):
        env.pop(name, None)
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "run"], env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=tempfile.gettempdir())
    try:
        while not _healthy(port):
            if proc.poll() is not None:
                raise RuntimeError(f"familyteam run ended: {proc.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
            if time.perf_counter() - start > 120:
                raise RuntimeError("not healthy within 120 s")
            time.sleep(0.01)  # a benchmark polling a real process, not a test waiting for time
        healthy_s = time.perf_counter() - start
        time.sleep(settle)
        rss = _peak_rss_mib(proc.pid)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    out = {"families": families, "healthy_s": round(healthy_s, 3), "peak_rss_mib": round(rss, 1),
           "exit_code": proc.returncode, "python_start_s": float("nan"), "import_app_s": float("nan")}
    if references:
        out["python_start_s"] = round(_python("pass"), 3)
        out["import_app_s"] = round(_python("import bot.bootstrap, bot.web, handlers.console.transport"), 3)
    return out


def line(backend: str, r: dict[str, Any]) -> str:
    return (f"| {backend} | {r['families']:,} | {r['healthy_s']:.2f} s | {r['peak_rss_mib']:.0f} MiB | "
            f"{r['python_start_s']:.2f} s | {r['import_app_s']:.2f} s |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--families", type=int, default=100_000)
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        results.append(("sqlite", run(f"sqlite:///{tmp}/startup.db", args.families)))
    pg = os.environ.get("FAMILYTEAM_BENCH_POSTGRES_URL")
    if pg:
        results.append(("postgresql", run(pg, args.families)))
    print(json.dumps([r for _, r in results], indent=2))
    print("| backend | families | start-up to healthy | peak RSS | bare python start | importing the app |")
    for backend, r in results:
        print(line(backend, r))


if __name__ == "__main__":
    main()
