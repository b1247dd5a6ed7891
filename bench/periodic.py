"""Periodic work due at once at scale: every family's Sunday thanks (18:00) and every caseworker's morning
summary (08:30), on bulk-built databases, in one engine tick.

    .venv/bin/python -m bench.periodic [--families 5000] [--backends sqlite,postgresql]

For each: the tick's time, the time a subject (a family thanked, a caseworker's summary of 50 families), and
the longest transaction: the longest the engine's urgent sweeps (a question, an escalation step falling due
meanwhile) wait for their next pass, and on SQLite the longest a webhook waits to write. The reference, in the
same run on a database built the same way: the same tick with the batches' time budget off (one transaction
per 500 subjects, as before the engine ran in passes). The week's check-ins are answered "done", so each
member has strengths to be thanked for; every other job is moved out of the way. SQLite in a temporary file;
PostgreSQL too when FAMILYTEAM_BENCH_POSTGRES_URL names a throwaway database (its public schema is dropped
and rebuilt; FAMILYTEAM_DATA_KEYS must be set). Prints JSON, then one Markdown row per run for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from bench import bulk
from bench.engine_ticks import _fresh
from bot.bootstrap import build
from bot.clock import ManualClock
from bot.domain.vocabulary import JobKind
from bot.services import jobs
from bot.settings import Settings
from storage.db import Database

SCENARIOS = {  # what falls due, at which moment, and the week's check-ins answered before it
    "Sunday thanks": (JobKind.WEEKLY_THANKS, bulk.SUNDAY_18, bulk.SUNDAY_18),
    "morning summaries": (JobKind.DAILY_SUMMARY, bulk.TOMORROW_0830, bulk.TOMORROW_0830),
}


def _prepare(url: str, families: int, kind: JobKind, answered_before: datetime) -> None:
    if url.startswith("sqlite:///"):
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
    _fresh(url)
    engine = create_engine(url)
    bulk.build(engine, families, 10)
    writer = bulk.Writer(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE checkins SET state = 'done' WHERE due_at < :at"),
                     {"at": writer.value(answered_before)})
        conn.execute(text("UPDATE scheduled_jobs SET due_at = :far WHERE kind <> :kind"),
                     {"far": writer.value(answered_before.replace(year=2027)), "kind": kind.value})
    engine.dispose()


@contextlib.contextmanager
def _longest(db: Database, out: list[float]) -> Iterator[None]:
    """Each session of `db` (one transaction: the engine's batches) timed; the longest in out[0]."""
    session = Database.session

    @contextlib.contextmanager
    def timed(self: Database) -> Iterator[Session]:
        start = time.perf_counter()
        with session(self) as s:
            yield s
        out[0] = max(out[0], time.perf_counter() - start)

    Database.session = timed  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        Database.session = session  # type: ignore[method-assign]


def run(url: str, families: int, name: str, budget: bool) -> dict[str, Any]:
    kind, at, answered_before = SCENARIOS[name]
    _prepare(url, families, kind, answered_before)
    app = build(Settings(DATABASE_URL=url, FAMILYTEAM_SECRET="bench"), clock=ManualClock(at), transports=[])
    saved, longest = jobs.BATCH_SECONDS, [0.0]
    jobs.BATCH_SECONDS = saved if budget else float("inf")
    try:
        with _longest(app.db, longest):
            start = time.perf_counter()
            report = app.engine.tick_sync()
            took = time.perf_counter() - start
    finally:
        jobs.BATCH_SECONDS = saved
        app.engine.close()
        app.db.dispose()
    subjects = sum(report.counts.values())
    assert subjects and not report.failures, report
    return {"scenario": name, "families": families, "budget": budget, "subjects": subjects,
            "tick_s": round(took, 2), "per_subject_ms": round(took / subjects * 1000, 1),
            "longest_transaction_s": round(longest[0], 2)}


def line(backend: str, r: dict[str, Any]) -> str:
    how = "passes, 0.25 s batches" if r["budget"] else "one batch per 500 (reference)"
    return (f"| {backend} | {r['scenario']} | {r['families']:,} | {how} | {r['subjects']:,} | {r['tick_s']:.1f} s | "
            f"{r['per_subject_ms']:.1f} ms | {r['longest_transaction_s']:.2f} s |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--families", type=int, default=5000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    urls: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        if "sqlite" in args.backends:
            urls.append(("sqlite", f"sqlite:///{Path(tmp) / 'periodic.db'}"))
        pg = os.environ.get("FAMILYTEAM_BENCH_POSTGRES_URL")
        if pg and "postgresql" in args.backends:
            urls.append(("postgresql", pg))
        results = [(backend, run(url, args.families, name, budget))
                   for backend, url in urls for name in SCENARIOS for budget in (True, False)]
    print(json.dumps([{"backend": b} | r for b, r in results], indent=2))
    print("| backend | what falls due | families | batches | subjects | tick | a subject | longest transaction |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for backend, r in results:
        print(line(backend, r))


if __name__ == "__main__":
    main()
