"""storage.bulk.BulkInsert (the questions of a tick into the outbox) stores exactly what SQLAlchemy's own
executemany of the same rows stores: the same column values byte for byte (times included), the payload
readable as the same JSON, and a key already there left alone."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import DataError

from bot.services.context import Ctx
from bot.services.notify import _BATCH
from storage.models import ChatIdentity, OutboxMessage, Person
from storage.types import JSONText, json_text
from tests.support.harness import Harness

pytestmark = pytest.mark.storage  # also on PostgreSQL

NOW = datetime(2026, 11, 30, 13, 0, 0, 123456, tzinfo=UTC)
PAYLOAD = {"text": "Did you? żółw 🐢 \"quoted\"\n", "buttons": [[{"label": "✅ Done", "data": "ci.1.done~x"}]]}
COLUMNS = ["identity_id", "family_id", "kind", "checkin_id", "escalation_id", "escalation_step", "meeting_id",
           "priority", "state", "attempts", "next_attempt_at", "created_at"]


def _rows(identity_id: int, prefix: str) -> list[dict[str, Any]]:
    return [{"idempotency_key": f"{prefix}:{n}", "identity_id": identity_id, "family_id": None, "kind": "checkin",
             "checkin_id": None, "escalation_id": None, "escalation_step": n if n % 2 else None, "meeting_id": None,
             "priority": 1, "payload": JSONText(json_text(PAYLOAD)) if prefix == "bulk" else PAYLOAD,
             "state": "pending", "attempts": 0, "next_attempt_at": NOW, "created_at": NOW} for n in range(3)]


def _chat(ctx: Ctx) -> ChatIdentity:
    person = Person(display_name="p", created_at=NOW)
    ctx.s.add(person)
    ctx.s.flush()
    chat = ChatIdentity(person_id=person.id, platform="console", external_id="p", created_at=NOW)
    ctx.s.add(chat)
    ctx.s.flush()
    return chat


def test_bulk_rows_are_stored_as_sqlalchemy_stores_them(db_url: str) -> None:
    h = Harness(db_url)
    try:
        def write(ctx: Ctx) -> None:
            chat = _chat(ctx)
            ctx.s.execute(insert(OutboxMessage.__table__), _rows(chat.id, "orm"))  # type: ignore[arg-type]
            bulk = _rows(chat.id, "bulk")
            _BATCH.execute(ctx.s.connection(), [{k: v for k, v in r.items() if not k.endswith("_at")} for r in bulk],
                           {"next_attempt_at": NOW, "created_at": NOW})
            again = [dict(bulk[0], escalation_step=99)]  # a key already there: left alone
            _BATCH.execute(ctx.s.connection(), [{k: v for k, v in r.items() if not k.endswith("_at")} for r in again],
                           {"next_attempt_at": NOW, "created_at": NOW})

        h.call(write)
        raw = h.call(lambda ctx: {key: row for key, *row in ctx.s.execute(text(
            f"SELECT idempotency_key, {', '.join(COLUMNS)} FROM outbox ORDER BY id"))})
        for n in range(3):
            assert raw[f"bulk:{n}"] == raw[f"orm:{n}"]
        assert raw["bulk:0"][COLUMNS.index("escalation_step")] is None
        payloads = h.call(lambda ctx: list(ctx.s.scalars(select(OutboxMessage.payload))))
        assert payloads == [PAYLOAD] * 6
        times = h.call(lambda ctx: set(ctx.s.scalars(select(OutboxMessage.created_at))))
        assert times == {NOW}
    finally:
        h.close()


@pytest.mark.postgresql_only  # SQLite does not enforce a VARCHAR's length, for any insert
def test_a_value_longer_than_its_column_is_refused_not_cut(db_url: str) -> None:
    h = Harness(db_url)
    try:
        def write(ctx: Ctx) -> None:
            chat = _chat(ctx)
            row = {k: v for k, v in _rows(chat.id, "bulk")[0].items() if not k.endswith("_at")}
            _BATCH.execute(ctx.s.connection(), [row | {"kind": "k" * 33}], {"next_attempt_at": NOW, "created_at": NOW})

        with pytest.raises(DataError, match="too long"):
            h.call(write)
        assert h.call(lambda ctx: ctx.s.scalar(select(func.count()).select_from(OutboxMessage))) == 0
    finally:
        h.close()
