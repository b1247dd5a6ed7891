"""Migration 0005 adds the kept conversation (conversation_messages, relay_threads, escalations.message_id,
pending_replies.message_id) to a database at 0003, keeping its rows, and takes them away on downgrade."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, inspect, text

from storage.migrate import alembic_config, upgrade


def test_0005_adds_the_conversation_and_downgrades(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ft.db'}"
    engine = create_engine(url)
    upgrade(engine, "0003")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO families (alias, timezone, language, work_start, work_end, work_days, "
                          "emergency_number, ack_timeout_minutes, created_at) VALUES ('the Rowan family', "
                          "'Europe/London', 'en', '09:00', '17:00', 'MO,TU,WE,TH,FR', '999', 30, :at)"),
                     {"at": datetime(2026, 11, 30, tzinfo=UTC)})
    upgrade(engine, "0005")
    tables = inspect(engine)
    assert tables.has_table("conversation_messages") and tables.has_table("relay_threads")
    assert "message_id" in {c["name"] for c in tables.get_columns("escalations")}
    assert "message_id" in {c["name"] for c in tables.get_columns("pending_replies")}
    with engine.begin() as conn:
        assert conn.execute(text("SELECT alias FROM families")).scalar_one() == "the Rowan family"
    cfg = alembic_config(url)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0003")
    tables = inspect(engine)
    assert not tables.has_table("conversation_messages") and not tables.has_table("relay_threads")
    assert "message_id" not in {c["name"] for c in tables.get_columns("escalations")}
    engine.dispose()
