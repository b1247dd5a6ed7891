"""Migration 0013 adds handover_threads and conversation_messages.relayed_role to a database at 0012, keeping
its rows, and takes them away on downgrade (the kept conversation stays)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, inspect, text

from storage.migrate import alembic_config, upgrade

AT = datetime(2026, 11, 30, tzinfo=UTC)


def test_0013_adds_handover_threads_and_downgrades(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ft.db'}"
    engine = create_engine(url)
    upgrade(engine, "0012")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO families (id, alias, timezone, language, work_start, work_end, work_days, "
                          "emergency_number, ack_timeout_minutes, created_at) VALUES (1, 'the Rowan family', "
                          "'Europe/London', 'en', '09:00', '17:00', 'MO,TU,WE,TH,FR', '999', 30, :at)"), {"at": AT})
        conn.execute(text("INSERT INTO persons (id, display_name, quiet_start, quiet_end, discreet, summary_time, "
                          "created_at) VALUES (1, 'Gran', '21:00', '08:00', 0, '08:30', :at)"), {"at": AT})
        conn.execute(text("INSERT INTO memberships (id, family_id, person_id, name, role, state, created_at) "
                          "VALUES (1, 1, 1, 'Gran', 'key_safety_person', 'active', :at)"), {"at": AT})
        conn.execute(text("INSERT INTO conversation_messages (family_id, membership_id, direction, "
                          "author_person_id, signed, at, text, length, edited, forwarded, taken_as) VALUES "
                          "(1, 1, 'from_member', 1, 0, :at, 'x', 1, 0, 0, 'relayed')"), {"at": AT})
    upgrade(engine, "0013")
    tables = inspect(engine)
    assert tables.has_table("handover_threads")
    assert "relayed_role" in {c["name"] for c in tables.get_columns("conversation_messages")}
    cfg = alembic_config(url)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0012")
    tables = inspect(engine)
    assert not tables.has_table("handover_threads")
    assert "relayed_role" not in {c["name"] for c in tables.get_columns("conversation_messages")}
    with engine.begin() as conn:
        assert conn.execute(text("SELECT taken_as FROM conversation_messages")).scalar_one() == "relayed"
    engine.dispose()
