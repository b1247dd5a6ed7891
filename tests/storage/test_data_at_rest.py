"""What people write and the plans are encrypted in the database file (storage.crypto): a note, a worry and a
plan text cannot be read in the SQLite file's bytes, the app still shows them, keys rotate (old rows stay
readable after a new key is put first; `familyteam db rotate-key` re-encrypts them), and production refuses
to start without keys."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from bot.cli import main
from bot.settings import Settings, settings_problems
from storage import crypto
from storage.models import Checkin, ConversationMessage, Escalation, Family, KeyValue, PlanVersion
from tests.support.harness import PLAN, Harness

NOTE = "Zebra-umbrella note 7731"
WORRY = "worried: Quokka-lantern 5519 came round"


def _file_bytes(path: Path) -> bytes:
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


def _shown(h: Harness) -> tuple[str | None, str | None, str]:
    note = h.call(lambda ctx: ctx.s.scalar(select(Checkin.note).where(Checkin.note.is_not(None))))
    words = h.call(lambda ctx: ctx.s.scalar(select(Escalation.words).where(Escalation.words.is_not(None))))
    plan = h.call(lambda ctx: ctx.s.scalars(select(PlanVersion.content)).one())
    return note, words, plan["bottom_line"][0]["text"]


async def test_texts_are_unreadable_in_the_file_and_keys_rotate(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "familyteam.db"
    url = f"sqlite:///{path}"
    h = Harness(url)
    try:
        await h.network(plan=PLAN)
        await h.advance_to(datetime(2026, 11, 30, 15, 30, tzinfo=UTC))
        await h.say("gran", f"not done, {NOTE}")
        await h.say("sue", WORRY)
        assert _shown(h) == (NOTE, "Quokka-lantern 5519 came round", "No drinking while caring for the children")
        assert any("Quokka-lantern" in t for t in h.texts("anna")), "shown where it is read"
    finally:
        h.close()
    raw = _file_bytes(path)
    for secret in (b"Zebra-umbrella", b"Quokka-lantern", b"No drinking while caring", b"Collect the children"):
        assert secret not in raw, secret
    assert b"the Rowan family" in raw, "the check can fail: plain columns are readable in these bytes"

    # A new key put first: the rows written under the generated key stay readable...
    new = crypto.new_key()
    h = Harness(url, FAMILYTEAM_DATA_KEYS=new)
    try:
        assert _shown(h)[0] == NOTE
    finally:
        h.close()
    # ...and after `db rotate-key`, the new key alone reads everything.
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("FAMILYTEAM_DATA_KEYS", new)
    assert main(["db", "rotate-key"]) == 0
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM key_values WHERE key = 'data_key'")
    conn.close()
    h = Harness(url, FAMILYTEAM_DATA_KEYS=new)
    try:
        assert _shown(h)[:2] == (NOTE, "Quokka-lantern 5519 came round")
        assert h.call(lambda ctx: ctx.s.scalar(select(KeyValue.value).where(KeyValue.key == crypto.DATA_KEY))) is None
        texts = h.call(lambda ctx: [m.text for m in ctx.s.scalars(select(ConversationMessage))])
        assert WORRY in texts
    finally:
        h.close()
    # A key that never wrote these rows cannot read them: the keys really are used.
    h = Harness(url, FAMILYTEAM_DATA_KEYS=crypto.new_key())
    try:
        with pytest.raises(crypto.NoDataKey):
            _shown(h)
        assert h.call(lambda ctx: ctx.s.scalar(select(Family.alias))) == "the Rowan family"  # plain ones do
    finally:
        h.close()


def test_production_without_data_keys_stops_start_up(monkeypatch: pytest.MonkeyPatch) -> None:
    for env in ({"FAMILYTEAM_ENV": "production"}, {"DATABASE_URL": "postgresql+psycopg://u:pw@db/familyteam"}):
        with pytest.raises(ValidationError) as caught:
            Settings(**env)  # type: ignore[arg-type]
        (line,) = settings_problems(caught.value)
        assert line.startswith("FAMILYTEAM_DATA_KEYS (value hidden) is not valid: expected data keys are required")
    with pytest.raises(ValidationError):
        Settings(FAMILYTEAM_DATA_KEYS="not-a-key")  # type: ignore[call-arg]
    key = crypto.new_key()
    settings = Settings(FAMILYTEAM_ENV="production", FAMILYTEAM_DATA_KEYS=f" {key} ,{crypto.new_key()}")  # type: ignore[call-arg]
    assert settings.data_key_list[0] == key and key in settings.secret_values()
    monkeypatch.setenv("FAMILYTEAM_ENV", "production")
    monkeypatch.delenv("FAMILYTEAM_DATA_KEYS", raising=False)
    assert main(["db", "upgrade"]) == 2
