"""A hot bulk INSERT (the questions of an engine tick: hundreds of outbox rows at once) without
SQLAlchemy's per-row parameter handling: the statement compiled once per dialect, each value processed by its
column type's own bind processor for that dialect (what SQLAlchemy applies to every row), a value shared by
every row processed once, and the rows passed to the driver's executemany. Same SQL, same stored values."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Insert, Table, bindparam
from sqlalchemy.engine import Dialect

Processor = Callable[[Any], Any]


class _Compiled:
    """The statement for one dialect: its SQL, its parameters' order (positional drivers) and each column's
    bind processor."""

    def __init__(self, statement: Insert, table: Table, dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect, for_executemany=True)
        self.sql = compiled.string
        self.positional = bool(dialect.positional)
        self.order: list[str] = list(compiled.positiontup or [])
        self.processors: dict[str, Processor | None] = {
            column.name: column.type.dialect_impl(dialect).bind_processor(dialect) for column in table.columns}


class BulkInsert:
    """INSERT INTO `table` of `columns` (`build(table, dialect name)` makes the statement, e.g. with ON
    CONFLICT), run with many rows: `execute(conn, rows, shared)`; each row maps the columns not in `shared` to
    their values."""

    def __init__(self, table: Table, columns: Sequence[str], build: Callable[[Table, str], Insert]) -> None:
        self.table, self.columns, self.build = table, list(columns), build
        self._compiled: dict[str, _Compiled] = {}

    def execute(self, conn: Connection, rows: Sequence[Mapping[str, Any]], shared: Mapping[str, Any]) -> None:
        if not rows:
            return
        c = self._compiled.get(conn.dialect.name)
        if c is None:
            statement = self.build(self.table, conn.dialect.name).values(
                {name: bindparam(name, type_=self.table.c[name].type) for name in self.columns})
            c = self._compiled[conn.dialect.name] = _Compiled(statement, self.table, conn.dialect)
        own = [name for name in self.columns if name not in shared]
        done = {name: _process(c.processors[name], shared[name]) for name in shared}
        get = _tuple_getter(own)
        steps = [(i, process) for i, name in enumerate(own) if (process := c.processors[name]) is not None]
        names = [*own, *done]
        order = _tuple_getter([names.index(name) for name in c.order]) if c.positional else None
        params: list[Any] = []
        for row in rows:
            values = list(get(row))
            for i, process in steps:
                values[i] = process(values[i])
            values += done.values()
            params.append(order(values) if order else dict(zip(names, values, strict=True)))
        conn.exec_driver_sql(c.sql, params)


def _tuple_getter(keys: Sequence[Any]) -> Callable[[Any], tuple[Any, ...]]:
    """itemgetter that gives a tuple even for one key."""
    get = itemgetter(*keys)
    return get if len(keys) > 1 else lambda item: (get(item),)


def _process(process: Processor | None, value: Any) -> Any:
    return value if process is None else process(value)
