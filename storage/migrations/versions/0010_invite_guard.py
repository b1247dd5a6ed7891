"""invites bound to the chat that opened them; invite guessing counted per window

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def _window() -> sa.Column:
    return sa.Column("window_start", storage.types.UTCDateTime(timezone=True), nullable=False)


def upgrade() -> None:
    with op.batch_alter_table("invites") as batch:
        batch.add_column(sa.Column("opened_by_identity_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_invites_opened_by_identity_id_chat_identities", "chat_identities",
                                 ["opened_by_identity_id"], ["id"])
    op.create_table(
        "invite_guess_windows",
        sa.Column("id", sa.Integer(), nullable=False),
        _window(),
        sa.Column("wrong", sa.Integer(), nullable=False),
        sa.Column("unknown_wrong", sa.Integer(), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("window_start"),
    )
    op.create_table(
        "invite_guess_chats",
        sa.Column("id", sa.Integer(), nullable=False),
        _window(),
        sa.Column("identity_id", sa.Integer(), nullable=False),
        sa.Column("wrong", sa.Integer(), nullable=False),
        sa.Column("told_to_wait", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["identity_id"], ["chat_identities.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("window_start", "identity_id"),
    )


def downgrade() -> None:
    op.drop_table("invite_guess_chats")
    op.drop_table("invite_guess_windows")
    with op.batch_alter_table("invites") as batch:
        batch.drop_constraint("fk_invites_opened_by_identity_id_chat_identities", type_="foreignkey")
        batch.drop_column("opened_by_identity_id")
