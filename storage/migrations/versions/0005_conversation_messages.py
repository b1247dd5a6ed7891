"""conversation messages and relay threads

Everything a member writes is kept (conversation_messages, with typed flags: edited, forwarded, media, what
it was taken as), and relayed to staff in one thread per member and staff chat (relay_threads). A worry
points at the message it came in (escalations.message_id); a Reply pressed by staff waits for their next
text (pending_replies.message_id).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conversation_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("family_id", sa.Integer(), nullable=False),
        sa.Column("membership_id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=16), nullable=False),
        sa.Column("author_person_id", sa.Integer(), nullable=False),
        sa.Column("author_role", sa.String(length=24), nullable=True),
        sa.Column("signed", sa.Boolean(), nullable=False),
        sa.Column("identity_id", sa.Integer(), nullable=True),
        sa.Column("platform_ref", sa.String(length=64), nullable=True),
        sa.Column("at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("length", sa.Integer(), nullable=False),
        sa.Column("edited", sa.Boolean(), nullable=False),
        sa.Column("edit_of", sa.Integer(), nullable=True),
        sa.Column("forwarded", sa.Boolean(), nullable=False),
        sa.Column("forwarded_from", sa.String(length=80), nullable=True),
        sa.Column("media", sa.String(length=16), nullable=True),
        sa.Column("taken_as", sa.String(length=16), nullable=False),
        sa.Column("checkin_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["family_id"], ["families.id"]),
        sa.ForeignKeyConstraint(["membership_id"], ["memberships.id"]),
        sa.ForeignKeyConstraint(["author_person_id"], ["persons.id"]),
        sa.ForeignKeyConstraint(["identity_id"], ["chat_identities.id"]),
        sa.ForeignKeyConstraint(["edit_of"], ["conversation_messages.id"]),
        sa.ForeignKeyConstraint(["checkin_id"], ["checkins.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_conversation_messages_family_at", "conversation_messages", ["family_id", "at"])
    op.create_index("ix_conversation_messages_identity_ref", "conversation_messages", ["identity_id", "platform_ref"])
    op.create_table(
        "relay_threads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("family_id", sa.Integer(), nullable=False),
        sa.Column("membership_id", sa.Integer(), nullable=False),
        sa.Column("identity_id", sa.Integer(), nullable=False),
        sa.Column("root_outbox_id", sa.Integer(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["family_id"], ["families.id"]),
        sa.ForeignKeyConstraint(["membership_id"], ["memberships.id"]),
        sa.ForeignKeyConstraint(["identity_id"], ["chat_identities.id"]),
        sa.ForeignKeyConstraint(["root_outbox_id"], ["outbox.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("family_id", "membership_id", "identity_id"),
    )
    # A plain column: SQLite cannot recreate `escalations` (a batch copy, for a foreign key) while other tables'
    # rows point at it.
    op.add_column("escalations", sa.Column("message_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("pending_replies") as batch:
        batch.add_column(sa.Column("message_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_pending_replies_message_id", "conversation_messages", ["message_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("pending_replies") as batch:
        batch.drop_constraint("fk_pending_replies_message_id", type_="foreignkey")
        batch.drop_column("message_id")
    op.drop_column("escalations", "message_id")
    op.drop_table("relay_threads")
    op.drop_index("ix_conversation_messages_identity_ref", table_name="conversation_messages")
    op.drop_index("ix_conversation_messages_family_at", table_name="conversation_messages")
    op.drop_table("conversation_messages")
