"""Fixtures: database-backed tests run on SQLite; tests about storage (marked `storage`: migrations, claims,
two instances, restarts, upserts, and one end-to-end flow per platform) run on PostgreSQL too when
FAMILYTEAM_TEST_POSTGRES_URL is set (a private database per test session and xdist worker, truncated between
tests, dropped at the end)."""

from __future__ import annotations

import gc
import os
import shutil
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from storage.db import Database
from storage.migrate import upgrade
from storage.models import Base
from tests.support.harness import SLOW_REPEATS, Harness

# pytest keeps each test module as it rewrote it (for assertion messages) in __pycache__ (ignored by git),
# so the next run does not rewrite them all again in every worker (about 3 s a worker), even where the
# environment asks Python not to write bytecode.
sys.dont_write_bytecode = False

POSTGRES_URL = os.environ.get("FAMILYTEAM_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", "postgresql"]


def pytest_collection_finish(session: pytest.Session) -> None:
    """No cyclic garbage collection during the run (7% less CPU; a worker peaks near 500 MB, which this
    machine has many times over): the long-lived imports are frozen, reference counting frees the rest."""
    gc.collect()
    gc.freeze()
    gc.disable()


def pytest_sessionfinish(session: pytest.Session) -> None:
    """What the run left behind is frozen too, so the interpreter's last collection at exit does not walk it
    (about 3 s a worker otherwise)."""
    gc.freeze()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test using the database gets a backend: both for `storage` tests, SQLite for the rest, and
    PostgreSQL alone for `postgresql_only` tests."""
    if "db_url" in metafunc.fixturenames:
        backends = BACKENDS if metafunc.definition.get_closest_marker("storage") else BACKENDS[:1]
        if metafunc.definition.get_closest_marker("postgresql_only"):
            backends = BACKENDS[1:]
        metafunc.parametrize("db_url", backends, indirect=True)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    db = Database(f"sqlite:///{path}")
    upgrade(db.engine)
    db.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str | None]:
    if not POSTGRES_URL:
        yield None
        return
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"familyteam_test_{worker}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    try:
        db = Database(url)
        upgrade(db.engine)
        db.dispose()
        yield url
    finally:
        if url in _RESETS:
            _RESETS.pop(url)[0].dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    if getattr(request, "param", "sqlite") == "sqlite":
        path = tmp_path / "familyteam.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_url")
    if url is None:
        pytest.skip("PostgreSQL tests need FAMILYTEAM_TEST_POSTGRES_URL (set by .ci/run)")
    _empty_postgres(url)
    return url


_RESETS: dict[str, tuple[Engine, list[str]]] = {}


def _empty_postgres(url: str) -> None:
    """Every table emptied and every id sequence back to 1, as TRUNCATE ... RESTART IDENTITY would, in a
    twentieth of its time (TRUNCATE costs about 0.2 s for the schema's tables however few rows they hold;
    a DELETE of each, children first, costs 10 ms)."""
    if url not in _RESETS:
        engine = create_engine(url, pool_size=1)
        with engine.connect() as conn:
            sequences = list(conn.scalars(text("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'")))
        statements = [f'DELETE FROM "{t.name}"' for t in reversed(Base.metadata.sorted_tables)]
        if sequences:
            statements.append("SELECT " + ", ".join(f"setval('\"{name}\"', 1, false)" for name in sequences))
        _RESETS[url] = (engine, statements)
    engine, statements = _RESETS[url]
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    """For tests that are about something other than storage: SQLite only."""
    path = tmp_path / "familyteam.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


def _world_settings(request: pytest.FixtureRequest) -> dict[str, str]:
    return SLOW_REPEATS if request.node.get_closest_marker("slow_alert_repeats") else {}


@pytest.fixture
def h(db_url: str, request: pytest.FixtureRequest) -> Iterator[Harness]:
    harness = Harness(db_url, **_world_settings(request))
    yield harness
    harness.close()


@pytest.fixture
def hs(sqlite_url: str, request: pytest.FixtureRequest) -> Iterator[Harness]:
    harness = Harness(sqlite_url, **_world_settings(request))
    yield harness
    harness.close()
