"""Column types shared by the models."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, String, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from storage import crypto

_JSON = json.JSONEncoder(ensure_ascii=False)  # json.dumps(value, ensure_ascii=False) without a new encoder each time


def json_text(value: Any) -> str:
    """A value as EncryptedJSON encodes it before encrypting it."""
    return _JSON.encode(value)


class JSONText(str):
    """A value already encoded as `json_text` would encode it (for EncryptedJSON: stored as it is, not
    encoded again). For callers that build many similar values from a template."""


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime stored as UTC.

    SQLite hands back naive values; this is the one place where they become aware again.
    Naive values are refused on the way in, so local times can never slip into storage.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class _Encrypted(TypeDecorator[str]):
    def process_bind_param(self, value: str | None, dialect: Dialect) -> Any:
        return None if value is None else crypto.encrypt(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else crypto.decrypt(value)


class EncryptedText(_Encrypted):
    """Text encrypted at rest with the database's data keys (storage.crypto). Never in a WHERE, ORDER BY,
    unique constraint or LIKE: the stored value is a different random token each time it is written."""

    impl = Text
    cache_ok = True


class EncryptedJSON(TypeDecorator[Any]):
    """A JSON value (dict or list) encrypted at rest; like EncryptedText, never queried. The column stays a
    JSON column holding one JSON string, the token (so no table is rebuilt to encrypt it)."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        return crypto.encrypt(value if isinstance(value, JSONText) else _JSON.encode(value))

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else json.loads(crypto.decrypt(value))


class EncryptedString(_Encrypted):
    """EncryptedText in a column first made as a VARCHAR (no length now: a token is longer than the text)."""

    impl = String
    cache_ok = True
