"""`familyteam db rotate-key`: every encrypted value re-encrypted with the newest data key."""

from __future__ import annotations

from sqlalchemy import Engine

from storage import crypto
from storage.models import Base
from storage.types import EncryptedJSON, EncryptedString, EncryptedText


def encrypted_columns() -> list[tuple[str, str, bool]]:
    """(table, column, is JSON) of every column encrypted at rest, read from the models."""
    return [(table.name, column.name, isinstance(column.type, EncryptedJSON))
            for table in Base.metadata.sorted_tables for column in table.columns
            if isinstance(column.type, EncryptedText | EncryptedString | EncryptedJSON)]


def rotate(engine: Engine) -> int:
    """Re-encrypt every value with the first (newest) registered key, in one transaction; the values done.
    Afterwards the older keys can be removed from FAMILYTEAM_DATA_KEYS."""
    keys = crypto.registered(engine)
    if keys is None:
        raise crypto.NoDataKey("no data keys registered for this database")
    with engine.begin() as conn:
        return sum(crypto.recode(conn, table, column, lambda v: keys.rotate(v.encode()).decode(), as_json=as_json)
                   for table, column, as_json in encrypted_columns())
