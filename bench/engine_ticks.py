"""The engine's cost at 1,000 / 10,000 / 100,000 families: an idle tick, "when next", and a tick that asks
1,000 due check-ins, against a bare `SELECT 1` round trip measured in the same run.

    .venv/bin/python -m bench.engine_ticks [--families 1000,10000,100000] [--asks 1000]

Families are bulk-built with plain INSERTs (bench/bulk.py; COPY on PostgreSQL), each with two daily
commitments and ten future check-ins, so 100,000 families hold 1,000,000 check-ins. SQLite in a temporary
file; PostgreSQL too when FAMILYTEAM_BENCH_POSTGRES_URL names a throwaway database (its public schema is
dropped and rebuilt). Timings are the engine's own (`Engine.tick_sync`, `Engine.next_due`) on a hand-moved
clock; the dispatcher does not run. Prints JSON, then one Markdown row per run for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from bench import bulk
from bot.bootstrap import build
from bot.clock import ManualClock
from bot.settings import Settings
from storage.migrate import upgrade

BUDGET_S = 5.0
RESET = ["UPDATE checkins SET asked_at = NULL WHERE due_at = :at", "DELETE FROM outbox",
         "DELETE FROM audit_events WHERE action = 'checkin.asked'"]


def _median_ms(fn: Callable[[], Any], repeat: int) -> float:
    return _timed(fn, repeat)[0]


def _timed(fn: Callable[[], Any], repeat: int, reset: Callable[[], Any] | None = None) -> tuple[float, float]:
    """Median wall time and median CPU time of this process, in ms. On a shared machine the CPU time is the
    steadier figure: it leaves out the time spent waiting for a core."""
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(repeat):
        if len(wall) >= 3 and sum(wall) > BUDGET_S:  # a slow engine (an older version) is timed fewer times
            break
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        if reset:
            reset()
    return statistics.median(wall) * 1000, statistics.median(cpu) * 1000


def _fresh(url: str) -> None:
    engine = create_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
    upgrade(engine)
    engine.dispose()


def run(url: str, families: int, asks: int) -> dict[str, Any]:
    _fresh(url)
    engine = create_engine(url)
    start = time.perf_counter()
    bulk.build(engine, families, asks)
    built_s = time.perf_counter() - start
    rows = bulk.counts(engine)
    engine.dispose()
    clock = ManualClock(bulk.NOW)
    app = build(Settings(DATABASE_URL=url, FAMILYTEAM_SECRET="bench"), clock=clock, transports=[])
    gc.collect()
    gc.freeze()  # as the running bot does once started (bot.app.App.run_forever)
    try:
        return _measure(app, clock, asks) | {"families": families, "build_s": round(built_s, 1), "rows": rows}
    finally:
        app.db.dispose()
        gc.unfreeze()


def _select_1(app: Any) -> None:
    with app.db.engine.connect() as conn:
        conn.execute(text("SELECT 1")).one()


def _measure(app: Any, clock: ManualClock, asks: int) -> dict[str, Any]:
    engine = app.engine
    engine.tick_sync()  # warm: statements compiled, pages cached
    assert engine.next_due() == bulk.ASK_AT, "nothing due before the chosen check-ins"
    out: dict[str, Any] = {"select_1_ms": _median_ms(lambda: _select_1(app), 300)}
    out["next_due_ms"], out["next_due_cpu_ms"] = _timed(engine.next_due, 300)
    out["idle_tick_ms"], out["idle_tick_cpu_ms"] = _timed(engine.tick_sync, 100)
    clock.set(bulk.ASK_AT)

    def ask() -> None:
        report = engine.tick_sync()
        assert report.counts["ask_due_checkins"] == asks, report.counts

    def reset() -> None:
        with app.db.engine.begin() as conn:
            for statement in RESET:
                conn.execute(text(statement), {"at": bulk.Writer(app.db.engine).value(bulk.ASK_AT)})
        app.db.checkpoint()  # SQLite: what the running app's background checkpoint does between ticks

    out["due_tick_ms"], out["due_tick_cpu_ms"] = _timed(ask, 5, reset)
    out["asks"] = asks
    out["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {k: round(v, 3) if isinstance(v, float) else v for k, v in out.items()}


def line(backend: str, r: dict[str, Any]) -> str:
    return (f"| {backend} | {r['families']:,} | {r['rows']['checkins']:,} | {r['idle_tick_ms']:.2f} ms "
            f"({r['idle_tick_cpu_ms']:.2f}) | {r['next_due_ms']:.2f} ms | {r['due_tick_ms']:.0f} ms "
            f"({r['due_tick_cpu_ms']:.0f}) for {r['asks']:,} | {r['select_1_ms']:.3f} ms | {r['build_s']:.0f} s |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--families", default="1000,10000,100000", help="comma-separated family counts")
    parser.add_argument("--asks", type=int, default=1000)
    parser.add_argument("--backends", default="sqlite,postgresql",
                        help="which to run (postgresql only with FAMILYTEAM_BENCH_POSTGRES_URL)")
    args = parser.parse_args()
    sizes = [int(n) for n in args.families.split(",")]
    results: list[tuple[str, dict[str, Any]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes if "sqlite" in args.backends else []:
            results.append(("sqlite", run(f"sqlite:///{Path(tmp) / f'bench-{n}.db'}", n, args.asks)))
            (Path(tmp) / f"bench-{n}.db").unlink()
    pg = os.environ.get("FAMILYTEAM_BENCH_POSTGRES_URL")
    for n in sizes if pg and "postgresql" in args.backends else []:
        results.append(("postgresql", run(pg, n, args.asks)))  # type: ignore[arg-type]
    print(json.dumps([{"backend": b} | r for b, r in results], indent=2))
    print("| backend | families | check-ins | idle tick (CPU) | next_due | tick asking due check-ins (CPU) "
          "| SELECT 1 | build |")
    for backend, r in results:
        print(line(backend, r))


if __name__ == "__main__":
    main()
