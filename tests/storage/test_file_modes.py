"""The SQLite database holds plans, names and people's words: it and its -wal and -shm files are for the
service's own user only (0600), whatever the umask, and an existing world-readable file is made private."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from storage.db import Database
from storage.migrate import upgrade


@pytest.fixture
def open_umask() -> Iterator[None]:
    old = os.umask(0o022)  # the usual default: files 0644
    try:
        yield
    finally:
        os.umask(old)


def modes(path: Path) -> dict[str, int]:
    return {p.name: stat.S_IMODE(p.stat().st_mode) for p in path.parent.iterdir() if p.name.startswith(path.name)}


def write_a_few(db: Database) -> None:
    for i in range(3):
        with db.session() as s:
            s.execute(text("INSERT INTO settings_kv (key, value) VALUES (:k, 'v')"), {"k": f"k{i}"})


@pytest.mark.usefixtures("open_umask")
def test_a_new_database_and_its_side_files_are_0600(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    db = Database(f"sqlite:///{path}")
    upgrade(db.engine)  # the real schema: migrations write too
    with db.session() as s:
        s.execute(text("CREATE TABLE settings_kv (key TEXT PRIMARY KEY, value TEXT)"))
    write_a_few(db)
    found = modes(path)
    assert {"new.db", "new.db-wal", "new.db-shm"} <= set(found), found
    assert set(found.values()) == {0o600}, {k: oct(v) for k, v in found.items()}
    db.dispose()


@pytest.mark.usefixtures("open_umask")
def test_an_existing_readable_database_is_made_private(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    first = Database(f"sqlite:///{path}")
    with first.session() as s:
        s.execute(text("CREATE TABLE settings_kv (key TEXT PRIMARY KEY, value TEXT)"))
    write_a_few(first)
    for p in path.parent.iterdir():
        p.chmod(0o644)  # as an older release left it
    db = Database(f"sqlite:///{path}")
    with db.session() as s:
        s.execute(text("INSERT INTO settings_kv (key, value) VALUES ('again', 'v')"))
    assert set(modes(path).values()) == {0o600}, {k: oct(v) for k, v in modes(path).items()}
    first.dispose()
    db.dispose()


def test_in_memory_databases_are_left_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for url in ("sqlite://", "sqlite:///:memory:"):
        with Database(url).session() as s:
            assert s.execute(text("SELECT 1")).scalar() == 1
    assert list(tmp_path.iterdir()) == []
