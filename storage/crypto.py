"""The data keys: what people wrote and the plans are encrypted at rest, column by column (storage.types'
EncryptedText and EncryptedJSON), with a `Keyring` of the database's keys so keys can rotate.

A value is written as AES-256-GCM (`cryptography`'s AESGCM: authenticated encryption, a random 96-bit nonce
per value) under a key derived with HKDF-SHA256 from the newest data key, as ``a1.`` + URL-safe base64 of
nonce, ciphertext and tag; the version is also bound to the tag as associated data. Values written before
(Fernet tokens, which never contain a '.') stay readable through the same keys' MultiFernet, and
`familyteam db rotate-key` rewrites them in the new form. A data key is still a Fernet key (44 characters
of URL-safe base64), so configured keys do not change.

Keys are per database. The keys of a database come from FAMILYTEAM_DATA_KEYS (comma-separated, newest first;
required in production) and, for SQLite (development, the demo, tests), from one generated on first use and
kept in the database's key_values table (`data_key`). A configured list is followed by a stored key, if any,
so a SQLite database started without keys stays readable when keys are configured later.

The composition root registers each engine's keys (`register`); `Database.session` makes them the current
keys of its transaction (`using`), which the column types read: several databases with different keys can
be open in one process (the scenario kit opens many)."""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any
from weakref import WeakKeyDictionary

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import JSON, Connection, Engine, Text, select, table, text, update
from sqlalchemy import column as sa_column

DATA_KEY = "data_key"  # the key_values row of a generated key
_KEYS: WeakKeyDictionary[Engine, Keyring] = WeakKeyDictionary()
_CURRENT: ContextVar[Keyring | None] = ContextVar("familyteam_data_keys", default=None)


class NoDataKey(RuntimeError):
    """Encrypted columns were used outside a transaction that knows its database's keys."""


def new_key() -> str:
    return Fernet.generate_key().decode()


def valid_key(key: str) -> bool:
    try:
        Fernet(key.encode())
    except (ValueError, TypeError):
        return False
    return True


VERSION = b"a1"  # the form of a value written now: AES-256-GCM; also the tag's associated data
PREFIX = VERSION + b"."
NONCE = 12


def _aead_key(key: str) -> AESGCM:
    """The AES-256-GCM key of a data key: HKDF-SHA256 of its 32 bytes, for this use only (the data key's
    halves stay Fernet's signing and encryption keys, for the values written before)."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"familyteam data at rest " + VERSION)
    return AESGCM(hkdf.derive(base64.urlsafe_b64decode(key.encode())))


class Keyring:
    """A database's data keys, newest first: the first encrypts, every key decrypts (MultiFernet's contract,
    and its methods: bytes in, bytes out). Raises InvalidToken for a value none of the keys wrote or that
    was altered."""

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError("at least one data key is needed")
        self._fernet = MultiFernet([Fernet(k.encode()) for k in keys])  # validates the keys
        self._aead = [_aead_key(k) for k in keys]

    def encrypt(self, data: bytes) -> bytes:
        nonce = os.urandom(NONCE)
        return PREFIX + base64.urlsafe_b64encode(nonce + self._aead[0].encrypt(nonce, data, VERSION))

    def decrypt(self, token: bytes) -> bytes:
        if not token.startswith(PREFIX):
            return self._fernet.decrypt(token)  # written before: a Fernet token
        try:
            raw = base64.urlsafe_b64decode(token[len(PREFIX):])
        except (binascii.Error, ValueError):
            raise InvalidToken from None
        nonce, sealed = raw[:NONCE], raw[NONCE:]
        for aead in self._aead:
            try:
                return aead.decrypt(nonce, sealed, VERSION)
            except (InvalidTag, ValueError):
                continue
        raise InvalidToken

    def rotate(self, token: bytes) -> bytes:
        """The value re-encrypted with the newest key, in the current form."""
        return self.encrypt(self.decrypt(token))


def cipher(keys: Sequence[str]) -> Keyring:
    """Newest first: the first key encrypts, every key decrypts."""
    return Keyring(keys)


def register(engine: Engine, keys: Sequence[str]) -> None:
    _KEYS[engine] = cipher(keys)


def registered(engine: Engine) -> Keyring | None:
    return _KEYS.get(engine)


@contextmanager
def using(engine: Engine) -> Iterator[None]:
    """The engine's keys are the current ones for this block (a transaction of that database)."""
    token = _CURRENT.set(_KEYS.get(engine))
    try:
        yield
    finally:
        _CURRENT.reset(token)


def current() -> Keyring:
    keys = _CURRENT.get()
    if keys is None:
        raise NoDataKey("no data keys for this transaction: open it with Database.session after bootstrap.build "
                        "(or storage.crypto.register) gave the database its keys")
    return keys


def encrypt(value: str, keys: Keyring | None = None) -> str:
    return (keys or current()).encrypt(value.encode()).decode()


def decrypt(value: str, keys: Keyring | None = None) -> str:
    try:
        return (keys or current()).decrypt(value.encode()).decode()
    except InvalidToken:
        raise NoDataKey("a stored value cannot be decrypted with this database's data keys "
                        "(FAMILYTEAM_DATA_KEYS must keep the old keys until `familyteam db rotate-key` ran)") from None


def stored_key(conn: Connection, *, create: bool) -> str | None:
    """The database's generated key (made now when `create` and there is none)."""
    found = conn.execute(text("SELECT value FROM key_values WHERE key = :k"), {"k": DATA_KEY}).scalar()
    if found is not None or not create:
        return found
    key = new_key()
    conn.execute(text("INSERT INTO key_values (key, value) VALUES (:k, :v)"), {"k": DATA_KEY, "v": key})
    return key


def database_keys(conn: Connection, configured: Sequence[str]) -> list[str]:
    """The keys of this database: the configured ones then the stored one; a generated one when none is
    configured (production settings refuse to start without configured keys, so this is SQLite's case)."""
    stored = stored_key(conn, create=not configured)
    return [*configured, *([stored] if stored and stored not in configured else [])]


def keys_for_migration(conn: Connection) -> Keyring:
    """The keys a migration encrypts and decrypts with: the registered ones, else the stored (or new) one."""
    return registered(conn.engine) or cipher(database_keys(conn, ()))



def recode(conn: Connection, name: str, column: str, change: Callable[[str], Any], *, as_json: bool) -> int:
    """Rewrite every non-null value of one column (rows by `id`) through `change`; the number of rows. A JSON
    column's value is given as JSON text and written back as a JSON string (the token)."""
    kind: Any = JSON() if as_json else Text()
    t = table(name, sa_column("id"), sa_column(column, kind))
    rows = conn.execute(select(t.c.id, t.c[column]).where(t.c[column].is_not(None))).all()
    for row_id, value in rows:
        plain = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        conn.execute(update(t).where(t.c.id == row_id).values({column: change(plain)}))
    return len(rows)
