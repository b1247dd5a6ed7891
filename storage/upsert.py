"""Insert-if-absent that is safe when two instances race (ON CONFLICT DO NOTHING on both databases)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_ignore(s: Session, table: Table, values: dict[str, Any], conflict: list[str]) -> int | None:
    """Insert one row unless one with the same `conflict` columns exists. Returns the new id, or None."""
    dialect = s.get_bind().dialect.name
    ins: Any = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    stmt = ins.values(**values).on_conflict_do_nothing(index_elements=conflict).returning(table.c.id)
    return s.execute(stmt).scalar_one_or_none()
