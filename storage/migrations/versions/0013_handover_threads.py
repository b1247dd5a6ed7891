"""handover threads and who a relay went to

The caseworker sees the whole picture: each member message passed on keeps the role of the person it went to
(conversation_messages.relayed_role), and each family has one handover thread in each staff reader's chat
(handover_threads: its root is an outbox row), where what duty or cover handled is posted each morning.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("conversation_messages", sa.Column("relayed_role", sa.String(length=24), nullable=True))
    op.create_table(
        "handover_threads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("family_id", sa.Integer(), nullable=False),
        sa.Column("identity_id", sa.Integer(), nullable=False),
        sa.Column("root_outbox_id", sa.Integer(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["family_id"], ["families.id"]),
        sa.ForeignKeyConstraint(["identity_id"], ["chat_identities.id"]),
        sa.ForeignKeyConstraint(["root_outbox_id"], ["outbox.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("family_id", "identity_id"),
    )


def downgrade() -> None:
    op.drop_table("handover_threads")
    with op.batch_alter_table("conversation_messages") as batch:
        batch.drop_column("relayed_role")
