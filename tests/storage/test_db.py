"""The database handle: a database error, when logged, never carries the values bound to the statement
(notes, names, message texts)."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from bot.services.context import Actor
from bot.services.errors import Refused
from bot.services.families import require_staff
from storage.db import Database
from storage.models import KeyValue
from tests.support.harness import Harness


def test_a_failed_statement_does_not_show_its_values(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    try:
        with db.session() as s:
            s.add(KeyValue(key="k", value="first"))
        with pytest.raises(IntegrityError) as exc, db.session() as s:
            s.add(KeyValue(key="k", value="Mum is drunk again and the kids are there"))
        assert "Mum is drunk" not in str(exc.value)
    finally:
        db.dispose()


def test_operator_authority_is_a_typed_field_not_a_label(hs: Harness) -> None:
    fid = hs.make_family()
    hs.call(lambda ctx: require_staff(ctx, Actor.cli("alice"), fid, "family.status"))  # the operator may
    with pytest.raises(Refused):
        hs.call(lambda ctx: require_staff(ctx, Actor("cli:mallory"), fid, "family.status"))  # a label is not authority


def test_sqlite_log_is_copied_in_the_background_not_inside_a_commit(sqlite_url: str) -> None:
    """SQLite's own checkpoint only passes 40 MB of log (a safety net); Database.checkpoint copies the log into
    the file on a connection of its own (the app's scheduler runs it every CHECKPOINT_SECONDS)."""
    from sqlalchemy import text

    from storage.db import WAL_AUTOCHECKPOINT, sqlite_path

    db = Database(sqlite_url)
    path = sqlite_path(sqlite_url)
    assert path is not None
    try:
        with db.session() as s:
            assert s.execute(text("PRAGMA wal_autocheckpoint")).scalar() == WAL_AUTOCHECKPOINT
            for n in range(200):
                s.add(KeyValue(key=f"k{n}", value="x" * 2000))
        before = path.stat().st_size
        assert db.checkpoints
        db.checkpoint()
        assert path.stat().st_size >= before + 200 * 2000, "the rows were in the log only, now in the file"
    finally:
        db.dispose()
    assert not Database("sqlite://").checkpoints, "an in-memory database has no log"
