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
