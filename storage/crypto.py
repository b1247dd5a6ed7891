"""The data keys: what people wrote and the plans are encrypted at rest, column by column (storage.types'
EncryptedText and EncryptedJSON), with `cryptography`'s MultiFernet so keys can rotate.

Keys are per database. The keys of a database come from FAMILYTEAM_DATA_KEYS (comma-separated, newest first;
required in production) and, for SQLite (development, the demo, tests), from one generated on first use and
kept in the database's key_values table (`data_key`). A configured list is followed by a stored key, if any,
so a SQLite database started without keys stays readable when keys are configured later.

The composition root registers each engine's keys (`register`); `Database.session` makes them the current
keys of its transaction (`using`), which the column types read: several databases with different keys can
be open in one process (the scenario kit opens many)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any
from weakref import WeakKeyDictionary

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import JSON, Connection, Engine, Text, select, table, text, update
from sqlalchemy import column as sa_column

DATA_KEY = "data_key"  # the key_values row of a generated key
_KEYS: WeakKeyDictionary[Engine, MultiFernet] = WeakKeyDictionary()
_CURRENT: ContextVar[MultiFernet | None] = ContextVar("familyteam_data_keys", default=None)


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


def cipher(keys: Sequence[str]) -> MultiFernet:
    """Newest first: the first key encrypts, every key decrypts."""
    return MultiFernet([Fernet(k.encode()) for k in keys])


def register(engine: Engine, keys: Sequence[str]) -> None:
    _KEYS[engine] = cipher(keys)


def registered(engine: Engine) -> MultiFernet | None:
    return _KEYS.get(engine)


@contextmanager
def using(engine: Engine) -> Iterator[None]:
    """The engine's keys are the current ones for this block (a transaction of that database)."""
    token = _CURRENT.set(_KEYS.get(engine))
    try:
        yield
    finally:
        _CURRENT.reset(token)


def current() -> MultiFernet:
    keys = _CURRENT.get()
    if keys is None:
        raise NoDataKey("no data keys for this transaction: open it with Database.session after bootstrap.build "
                        "(or storage.crypto.register) gave the database its keys")
    return keys


def encrypt(value: str, keys: MultiFernet | None = None) -> str:
    return (keys or current()).encrypt(value.encode()).decode()


def decrypt(value: str, keys: MultiFernet | None = None) -> str:
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


def keys_for_migration(conn: Connection) -> MultiFernet:
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
