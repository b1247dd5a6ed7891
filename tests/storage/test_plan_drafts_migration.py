"""Migration 0003 adds the plan editor's drafts to a database at 0002, keeping its rows, and takes them away
again on downgrade."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, inspect, text

from storage.migrate import alembic_config, upgrade


def test_0003_adds_plan_drafts_and_downgrades(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ft.db'}"
    engine = create_engine(url)
    upgrade(engine, "0002")
    assert not inspect(engine).has_table("plan_drafts")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO families (alias, timezone, language, work_start, work_end, work_days, "
                          "emergency_number, ack_timeout_minutes, created_at) VALUES ('the Rowan family', "
                          "'Europe/London', 'en', '09:00', '17:00', 'MO,TU,WE,TH,FR', '999', 30, :at)"),
                     {"at": datetime(2026, 11, 30, tzinfo=UTC)})
    upgrade(engine, "0003")  # plain JSON rows as 0003 wrote them (from 0008 on, texts are encrypted)
    assert inspect(engine).has_table("plan_drafts")
    with engine.begin() as conn:
        assert conn.execute(text("SELECT alias FROM families")).scalar_one() == "the Rowan family"
        conn.execute(text("INSERT INTO plan_drafts (family_id, author, base_version, bottom_lines, commitments, "
                          "next_ref, created_at, updated_at) VALUES (1, 'person:1', 0, '[]', '[]', 0, :at, :at)"),
                     {"at": datetime(2026, 11, 30, tzinfo=UTC)})
    cfg = alembic_config(url)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0002")
    assert not inspect(engine).has_table("plan_drafts")
    engine.dispose()
