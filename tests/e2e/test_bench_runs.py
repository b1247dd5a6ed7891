"""The benchmarks still run against today's schema and code (tiny sizes; the numbers are BENCHMARKS.md's)."""

from __future__ import annotations

from pathlib import Path

from bench import engine_ticks, outbound


def test_engine_ticks_builds_asks_and_measures_on_sqlite(tmp_path: Path) -> None:
    result = engine_ticks.run(f"sqlite:///{tmp_path / 'bench.db'}", families=60, asks=20)
    assert result["idle_tick_ms"] > 0 and result["due_tick_ms"] > 0
    assert "| sqlite | 60 |" in engine_ticks.line("sqlite", result)


async def test_outbound_sends_within_the_fake_apis_limits_and_an_escalation_jumps_the_queue(tmp_path: Path) -> None:
    result = await outbound.outbound(f"sqlite:///{tmp_path / 'out.db'}", messages=12, chats=12)
    assert (result["missing"], result["duplicates"], result["inversions"]) == (0, 0, 0)
    assert result["per_second"] > 0
    latency = await outbound.escalation_latency(f"sqlite:///{tmp_path / 'lat.db'}", queued=40, chats=40, warm=0.2)
    assert latency["latency_s"] < 5
    assert "| dispatcher + PTB transport | 12 / 12 |" in "\n".join(outbound.lines({"dispatcher": result}))
