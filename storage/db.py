"""The database handle: engine, sessions, and a way to run blocking work off the event loop.

SQLite takes one writer at a time: two transactions that both write make the second wait on the file lock
(busy_timeout), and under load some fail with "database is locked". So on SQLite this process writes
through one door: every `session()` holds the database's writer lock (a re-entrant thread lock) for its
transaction, and `run()` queues the work on one writer thread, first come first served. Concurrent
webhooks, the engine's sweeps and the dispatcher then take turns in short transactions instead of
spinning on the file lock; the busy timeout stays only for another process (the CLI) writing at the same
time. PostgreSQL keeps its pool's concurrency: no lock, `run()` on the default thread pool.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.util import LRUCache

from storage import crypto

T = TypeVar("T")


# SQLite copies its write-ahead log into the database file (a checkpoint: writes and an fsync) when the log
# passes this many pages, inside whichever commit passes it. The running app checkpoints in the background
# instead (`Database.checkpoint`, every CHECKPOINT_SECONDS: App.scheduler), so no transaction pays for it;
# this threshold (about 40 MB) is left as a safety net.
WAL_AUTOCHECKPOINT = 10_000
CHECKPOINT_SECONDS = 10.0

PRIVATE = 0o600  # the database holds plans, names and people's words: for the service's own user only


def sqlite_path(url: str) -> Path | None:
    """The database file of a SQLite URL; None for an in-memory database (or another dialect)."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or not parsed.database or parsed.database == ":memory:" \
            or parsed.database.startswith("file:") or parsed.query.get("mode") == "memory":
        return None
    return Path(parsed.database)


def _private_files(path: Path) -> None:
    """Create the database file 0600 before SQLite does (its -wal and -shm files take the database file's
    mode), and take group and world access away from an existing file and side files."""
    try:
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, PRIVATE))
    except OSError:
        return  # a directory that does not exist: SQLite will say so when it connects
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            if file.stat().st_mode & 0o077:
                file.chmod(PRIVATE)
        except OSError:
            continue  # not there (yet), or not ours to change


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = sqlite_path(url)
        if path is not None:
            _private_files(path)
        # hide_parameters: a logged database error never carries the values (notes, names, message texts).
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, hide_parameters=True)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            if ":memory:" not in url:
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()
            if path is not None:
                _private_files(path)  # the side files exist now: make sure of their modes

        return engine
    return create_engine(url, pool_pre_ping=True, hide_parameters=True)


_SHARED: dict[tuple[str, str | None, int | None], tuple[Dialect, LRUCache[Any, Any]]] = {}


def share_compiled_statements(engine: Engine) -> None:
    """Let this engine use the compiled statements of earlier engines of the same kind in this process.

    SQLAlchemy compiles each statement once per engine: its cache is keyed by the engine's dialect object.
    A process that opens many short-lived databases of one kind (the scenario kit opens one per world; a
    test run, hundreds) would compile every statement again for each. Engines with the same driver, host and
    port (every SQLite file; one PostgreSQL server) take the first one's dialect and statement cache: the
    same SQL, compiled once. Not for engines whose settings differ (the pool, events and connections stay
    each engine's own; only the dialect, which turns statements into SQL, and its cache are shared)."""
    url = engine.url
    key = (url.drivername, url.host, url.port)
    if key not in _SHARED:
        _SHARED[key] = (engine.dialect, LRUCache(5000))
    engine.dialect, engine._compiled_cache = _SHARED[key]


def begin_now(s: Session) -> None:
    """Open the session's transaction now, before a savepoint. pysqlite (SQLite) begins one only at the first
    write: a savepoint taken before it would start a transaction of its own and releasing it would commit it,
    so what follows would no longer be one transaction with what came before. PostgreSQL: nothing to do."""
    if s.get_bind().dialect.name == "sqlite":
        raw: Any = s.connection().connection.dbapi_connection
        if not raw.in_transaction:
            raw.execute("BEGIN")


class Database:
    def __init__(self, url: str, *, shared_statements: bool = False) -> None:
        self.url = url
        self.engine = make_engine(url)
        if shared_statements:
            share_compiled_statements(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.single_writer = self.engine.dialect.name == "sqlite"
        self._write_lock = threading.RLock()
        self._writer: ThreadPoolExecutor | None = None
        self._writer_guard = threading.Lock()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back on error."""
        with self.writing(), crypto.using(self.engine), self._sessions() as s, s.begin():
            yield s

    def writing(self) -> AbstractContextManager[Any]:
        """SQLite: the writer lock, held for one transaction (re-entrant: a nested session on the same
        thread does not wait for itself). PostgreSQL: nothing to hold."""
        return self._write_lock if self.single_writer else nullcontext()

    def call(self, fn: Callable[[Session], T]) -> T:
        with self.session() as s:
            return fn(s)

    async def run(self, fn: Callable[[Session], T]) -> T:
        """Run `fn` in its own transaction on a worker thread, so the event loop never blocks on I/O."""
        return await self.offload(self.call, fn)

    async def offload(self, fn: Callable[..., T], *args: Any) -> T:
        """Run blocking database work off the event loop: on SQLite on the one writer thread (in the order
        asked), elsewhere on the default thread pool."""
        if not self.single_writer:
            return await asyncio.to_thread(fn, *args)
        return await asyncio.get_running_loop().run_in_executor(self._writer_thread(), fn, *args)

    def _writer_thread(self) -> ThreadPoolExecutor:
        with self._writer_guard:
            if self._writer is None:
                self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-writer")
            return self._writer

    @property
    def checkpoints(self) -> bool:
        """Whether this database has a write-ahead log for `checkpoint` to copy (a SQLite file)."""
        return self.single_writer and sqlite_path(self.url) is not None

    def checkpoint(self) -> None:
        """SQLite: copy the write-ahead log into the database file now, on a connection of its own and without
        the writer lock (PASSIVE: it neither waits for nor blocks readers and writers; what a reader still
        needs is copied next time), so that no transaction pays for it. Elsewhere nothing to do."""
        if self.checkpoints:
            with self.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")

    def dispose(self) -> None:
        with self._writer_guard:
            writer, self._writer = self._writer, None
        if writer is not None:
            writer.shutdown(wait=False)
        self.engine.dispose()
