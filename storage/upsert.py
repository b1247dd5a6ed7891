"""Insert-if-absent that is safe when two instances race (ON CONFLICT DO NOTHING on both databases)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, Update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_ignore(s: Session, table: Table, values: dict[str, Any], conflict: list[str]) -> int | None:
    """Insert one row unless one with the same `conflict` columns exists. Returns the new id, or None."""
    dialect = s.get_bind().dialect.name
    ins: Any = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    stmt = ins.values(**values).on_conflict_do_nothing(index_elements=conflict).returning(table.c.id)
    return s.execute(stmt).scalar_one_or_none()


def claim(s: Session, stmt: Update) -> bool:
    """Run a conditional UPDATE ("... WHERE id = :id AND state = 'pending'") and say whether this caller
    won the row. Portable (no SKIP LOCKED needed); the session's objects are not scanned, so a sweep
    that claims many rows stays linear. Callers refresh what they go on using."""
    result = s.execute(stmt, execution_options={"synchronize_session": False})
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]
