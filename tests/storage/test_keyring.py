"""The form values are encrypted in (storage.crypto.Keyring): AES-256-GCM under a key derived from the newest
data key, authenticated (any change to a stored value is refused, never read as something else), keys rotate,
and the values written before in Fernet's form stay readable and are rewritten by `db rotate-key`."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select, text

from bot.services.context import Ctx
from storage import crypto, rekey
from storage.models import Checkin, Commitment, OutboxMessage
from tests.support.harness import PLAN, Harness

WORDS = "Zebra-umbrella 7731: ça va, żółw 🐢"


def _flip(token: str, at: int) -> str:
    """The token with one bit of its decoded bytes changed (negative `at`: from the end, i.e. the tag)."""
    raw = bytearray(base64.urlsafe_b64decode(token[len("a1."):]))
    raw[at] ^= 0x01
    return "a1." + base64.urlsafe_b64encode(bytes(raw)).decode()


def test_values_are_sealed_afresh_each_time_and_read_back() -> None:
    keys = crypto.cipher([crypto.new_key()])
    first, second = crypto.encrypt(WORDS, keys), crypto.encrypt(WORDS, keys)
    assert first.startswith("a1.") and second.startswith("a1.")
    assert first != second, "a fresh nonce for every value"
    assert "Zebra" not in first and crypto.decrypt(first, keys) == crypto.decrypt(second, keys) == WORDS
    assert crypto.decrypt(crypto.encrypt("", keys), keys) == ""


@pytest.mark.parametrize("change", [
    lambda t: _flip(t, 0),  # the nonce
    lambda t: _flip(t, 12),  # the ciphertext
    lambda t: _flip(t, -1),  # the tag
    lambda t: t[:-6],  # cut short
    lambda t: "a1." + t[3:3 + 16],  # nothing but a nonce
    lambda t: "a1.",
    lambda t: "a1.!!!!",
    lambda t: "a2." + t[3:],  # another version: not ours
    lambda t: t[3:],  # the prefix dropped: not a Fernet token either
])
def test_a_changed_value_is_refused(change: Callable[[str], str]) -> None:
    keys = crypto.cipher([crypto.new_key()])
    token = crypto.encrypt(WORDS, keys)
    with pytest.raises(crypto.NoDataKey):
        crypto.decrypt(change(token), keys)


def test_the_version_is_bound_to_the_tag() -> None:
    """The same key and nonce without the version as associated data: refused (no downgrade by relabelling)."""
    key = crypto.new_key()
    aead: AESGCM = crypto._aead_key(key)
    nonce = b"\x00" * 12
    forged = "a1." + base64.urlsafe_b64encode(nonce + aead.encrypt(nonce, WORDS.encode(), None)).decode()
    with pytest.raises(crypto.NoDataKey):
        crypto.decrypt(forged, crypto.cipher([key]))


def test_old_fernet_values_stay_readable_and_keys_rotate() -> None:
    old, new = crypto.new_key(), crypto.new_key()
    legacy = MultiFernet([Fernet(old.encode())]).encrypt(WORDS.encode()).decode()  # written before
    sealed_old = crypto.encrypt(WORDS, crypto.cipher([old]))
    both = crypto.cipher([new, old])  # a new key put first
    assert crypto.decrypt(legacy, both) == crypto.decrypt(sealed_old, both) == WORDS
    assert crypto.decrypt(crypto.encrypt(WORDS, both), crypto.cipher([new])) == WORDS, "the first key writes"
    rotated = [both.rotate(t.encode()).decode() for t in (legacy, sealed_old)]
    for token in rotated:
        assert token.startswith("a1.")
        assert crypto.decrypt(token, crypto.cipher([new])) == WORDS
        with pytest.raises(crypto.NoDataKey):
            crypto.decrypt(token, crypto.cipher([old]))
    for token in (legacy, sealed_old):  # a key that never wrote them cannot read them
        with pytest.raises(crypto.NoDataKey):
            crypto.decrypt(token, crypto.cipher([new]))
    tampered = legacy[:-4] + ("AAAA" if not legacy.endswith("AAAA") else "BBBB")
    with pytest.raises(crypto.NoDataKey):
        crypto.decrypt(tampered, both)


@pytest.mark.storage  # also on PostgreSQL
async def test_a_database_written_in_fernet_form_reads_and_rotates(db_url: str) -> None:
    """Every encrypted column rewritten as the previous version wrote it (Fernet tokens): the app still
    reads it, and `rotate` rewrites it in the current form under the newest key."""
    key = crypto.new_key()
    h = Harness(db_url, FAMILYTEAM_DATA_KEYS=key)
    try:
        await h.network(plan=PLAN)
        await h.advance_to(datetime(2026, 11, 30, 15, 30, tzinfo=UTC))  # a question asked: an outbox payload
        before = h.call(_readable)
        engine = h.app.db.engine
        keys = crypto.registered(engine)
        assert keys is not None
        legacy = MultiFernet([Fernet(key.encode())])
        with engine.begin() as conn:
            for table, column, as_json in rekey.encrypted_columns():
                crypto.recode(conn, table, column, lambda v: legacy.encrypt(keys.decrypt(v.encode())).decode(),
                              as_json=as_json)
            question = conn.execute(text("SELECT question FROM commitments LIMIT 1")).scalar_one()
        assert question.startswith("gAAAA"), "the check can fail: the rows really are in Fernet form"
        assert h.call(_readable) == before
        assert rekey.rotate(engine) > 0
        with engine.connect() as conn:
            question = conn.execute(text("SELECT question FROM commitments LIMIT 1")).scalar_one()
        assert question.startswith("a1.")
        assert h.call(_readable) == before
    finally:
        h.close()


def _readable(ctx: Ctx) -> tuple[list[str], list[str], int]:
    s = ctx.s
    questions = sorted(s.scalars(select(Commitment.question)))
    payloads = [p["text"] for p in s.scalars(select(OutboxMessage.payload).order_by(OutboxMessage.id))]
    assert questions and payloads
    return questions, payloads, len(list(s.scalars(select(Checkin.id))))
