"""The benchmarks still run against today's schema and code (tiny sizes; the numbers are BENCHMARKS.md's)."""

from __future__ import annotations

from pathlib import Path

from bench import engine_ticks


def test_engine_ticks_builds_asks_and_measures_on_sqlite(tmp_path: Path) -> None:
    result = engine_ticks.run(f"sqlite:///{tmp_path / 'bench.db'}", families=60, asks=20)
    assert result["idle_tick_ms"] > 0 and result["due_tick_ms"] > 0
    assert "| sqlite | 60 |" in engine_ticks.line("sqlite", result)
