"""The benchmarks still run against today's schema and code (tiny sizes; the numbers are BENCHMARKS.md's)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import engine_ticks, inbound, joins, outbound, periodic, startup
from bot.services import jobs


def test_engine_ticks_builds_asks_and_measures_on_sqlite(tmp_path: Path) -> None:
    result = engine_ticks.run(f"sqlite:///{tmp_path / 'bench.db'}", families=60, asks=20)
    assert result["idle_tick_ms"] > 0 and result["due_tick_ms"] > 0
    assert "| sqlite | 60 |" in engine_ticks.line("sqlite", result)


def test_inbound_presses_through_the_webhook_and_bare_ptb_on_sqlite(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inbound, "WARM", 20)  # a tiny warm-up: this checks that it runs, not how fast
    rows = inbound.run(f"sqlite:///{tmp_path / 'inbound.db'}", presses=8, levels=[1, 4], in_process=True)
    assert [(r["system"], r["concurrency"]) for r in rows] == [
        ("familyteam", 1), ("familyteam", 4), ("bare-ptb", 1), ("bare-ptb", 4)]
    for r in rows:
        assert r["answered"] == 8 and r["statuses"] == {"200": 8} and r["per_s"] > 0, r
    ours = [r for r in rows if r["system"] == "familyteam"]
    assert all(r["answered_in_response"] == 8 and r["answer_requests"] == 0 and r["locked"] == 0 for r in ours)
    assert all(r["checkins_done"] == r["receipts"] == r["presses_in_all"] == 20 + 2 * 8 for r in ours), ours
    assert inbound.line("sqlite", rows).startswith("| sqlite | ")


async def test_outbound_sends_within_the_fake_apis_limits_and_an_escalation_jumps_the_queue(tmp_path: Path) -> None:
    result = await outbound.outbound(f"sqlite:///{tmp_path / 'out.db'}", messages=12, chats=12)
    assert (result["missing"], result["duplicates"], result["inversions"]) == (0, 0, 0)
    assert result["per_second"] > 0
    latency = await outbound.escalation_latency(f"sqlite:///{tmp_path / 'lat.db'}", queued=40, chats=40, warm=0.2)
    assert latency["latency_s"] < 5
    assert "| dispatcher + PTB transport | 12 / 12 |" in "\n".join(outbound.lines({"dispatcher": result}))


def test_startup_reaches_healthy_and_reads_its_memory(tmp_path: Path) -> None:
    result = startup.run(f"sqlite:///{tmp_path / 'startup.db'}", families=20, settle=0.2, references=False)
    assert result["healthy_s"] > 0 and result["peak_rss_mib"] > 10 and result["exit_code"] == 0, result
    assert startup.line("sqlite", result).startswith("| sqlite | 20 |")


def test_joins_reach_the_webhook_at_once_and_each_chat_gets_its_consent_request(tmp_path: Path) -> None:
    rows = joins.run(f"sqlite:///{tmp_path / 'joins.db'}", joins=6, concurrency=6, settle=0.1, in_process=True)
    assert [r["system"] for r in rows] == ["familyteam", "bare-ptb"]
    for r in rows:
        assert (r["delivered"], r["messages"], r["missing"], r["duplicates"], r["first_not_consent"]) == (6, 6, 0, 0, 0)
        assert r["statuses"] == {"200": 6} and r["refused_429"] == 0 and r["seconds"] > 0, r
    assert joins.lines("sqlite", rows)[0].startswith("| sqlite | FamilyTeam: ")


def test_periodic_thanks_every_family_in_short_transactions(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'periodic.db'}"
    passes = periodic.run(url, families=60, name="Sunday thanks", budget=True)
    assert passes["subjects"] == 60 and passes["longest_transaction_s"] <= passes["tick_s"]
    assert jobs.BATCH_SECONDS == 0.25, "the time budget is put back after the reference run"
    reference = periodic.run(url, families=60, name="morning summaries", budget=False)
    assert reference["subjects"] == 2 and jobs.BATCH_SECONDS == 0.25
