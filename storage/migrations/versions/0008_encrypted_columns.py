"""texts encrypted at rest

What people wrote (check-in and answer notes, worry words, resolution notes, conversation messages and the
forwarded sender's name) and the plans (versions, bottom lines, commitments, meeting places, drafts) and the
outbox payloads (rendered texts) are encrypted with the database's data keys (storage.crypto): upgrade
encrypts the rows there are, downgrade decrypts them. JSON columns keep their type and hold one JSON string,
the token. conversation_messages.forwarded_from loses its length (a token is longer than 80 characters).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

from storage import crypto

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TEXTS = [("checkins", "note"), ("checkin_answers", "note"), ("escalations", "words"),
         ("escalations", "resolution_note"), ("conversation_messages", "text"),
         ("conversation_messages", "forwarded_from"), ("plan_versions", "reason"), ("bottom_lines", "text"),
         ("commitments", "text"), ("commitments", "question"), ("meetings", "place")]
JSONS = [("plan_versions", "content"), ("outbox", "payload"), ("plan_drafts", "bottom_lines"),
         ("plan_drafts", "commitments")]


def _forwarded_from(kind: Any) -> None:
    """SQLite does not enforce a VARCHAR's length; there the column keeps its declared type (no rebuild of a
    table other tables point at)."""
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column("conversation_messages", "forwarded_from", type_=kind, existing_nullable=True)


def upgrade() -> None:
    _forwarded_from(sa.String())
    conn = op.get_bind()
    keys = crypto.keys_for_migration(conn)
    for name, column in TEXTS:
        crypto.recode(conn, name, column, lambda v: crypto.encrypt(v, keys), as_json=False)
    for name, column in JSONS:
        crypto.recode(conn, name, column, lambda v: crypto.encrypt(v, keys), as_json=True)


def downgrade() -> None:
    conn = op.get_bind()
    keys = crypto.keys_for_migration(conn)
    for name, column in TEXTS:
        crypto.recode(conn, name, column, lambda v: crypto.decrypt(v, keys), as_json=False)
    for name, column in JSONS:
        crypto.recode(conn, name, column, lambda v: json.loads(crypto.decrypt(v, keys)), as_json=True)
    _forwarded_from(sa.String(length=80))
