"""typed outbox links and pending replies

Outbox rows get typed links to what they are for (check-in, escalation and its step, meeting), filled in
for existing rows from their idempotency keys once, here, so no running code ever parses a key again.
The "waiting for a typed note" state moves from key_values strings to its own table.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# The key shapes release 0001 wrote (bot/services/checkins.py, escalations.py, meetings.py).
CHECKIN_KEY = re.compile(r"^checkin:(\d+):")
ESCALATION_STEP_KEY = re.compile(r"^esc:(\d+):step:(\d+)@")
ESCALATION_KEY = re.compile(r"^esc:(\d+):")
MEETING_KEY = re.compile(r"^meeting:(\d+):")


def _links(key: str) -> dict[str, int]:
    if m := ESCALATION_STEP_KEY.match(key):
        return {"escalation_id": int(m[1]), "escalation_step": int(m[2])}
    if m := ESCALATION_KEY.match(key):
        return {"escalation_id": int(m[1])}
    if m := CHECKIN_KEY.match(key):
        return {"checkin_id": int(m[1])}
    if m := MEETING_KEY.match(key):
        return {"meeting_id": int(m[1])}
    return {}


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("checkin_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("escalation_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("escalation_step", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("meeting_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_outbox_checkin_id_checkins", "checkins", ["checkin_id"], ["id"])
        batch.create_foreign_key("fk_outbox_escalation_id_escalations", "escalations", ["escalation_id"], ["id"])
        batch.create_foreign_key("fk_outbox_meeting_id_meetings", "meetings", ["meeting_id"], ["id"])
        batch.create_index("ix_outbox_checkin_id", ["checkin_id"])
        batch.create_index("ix_outbox_escalation_id", ["escalation_id"])
        batch.create_index("ix_outbox_meeting_id", ["meeting_id"])

    conn = op.get_bind()
    outbox = sa.table("outbox", sa.column("id", sa.Integer), sa.column("idempotency_key", sa.String),
                      sa.column("checkin_id", sa.Integer), sa.column("escalation_id", sa.Integer),
                      sa.column("escalation_step", sa.Integer), sa.column("meeting_id", sa.Integer))
    for row_id, key in conn.execute(sa.select(outbox.c.id, outbox.c.idempotency_key)).all():
        links = _links(key)
        if links:
            conn.execute(outbox.update().where(outbox.c.id == row_id).values(**links))

    op.create_table(
        "pending_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("identity_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("checkin_id", sa.Integer(), nullable=True),
        sa.Column("escalation_id", sa.Integer(), nullable=True),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["identity_id"], ["chat_identities.id"]),
        sa.ForeignKeyConstraint(["checkin_id"], ["checkins.id"]),
        sa.ForeignKeyConstraint(["escalation_id"], ["escalations.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("identity_id"),
    )
    # Notes being waited for (at most an hour old) are not carried over: the member is asked again.
    key_values = sa.table("key_values", sa.column("key", sa.String))
    conn.execute(key_values.delete().where(key_values.c.key.like("await:%")))


def downgrade() -> None:
    op.drop_table("pending_replies")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_meeting_id")
        batch.drop_index("ix_outbox_escalation_id")
        batch.drop_index("ix_outbox_checkin_id")
        batch.drop_constraint("fk_outbox_meeting_id_meetings", type_="foreignkey")
        batch.drop_constraint("fk_outbox_escalation_id_escalations", type_="foreignkey")
        batch.drop_constraint("fk_outbox_checkin_id_checkins", type_="foreignkey")
        batch.drop_column("meeting_id")
        batch.drop_column("escalation_step")
        batch.drop_column("escalation_id")
        batch.drop_column("checkin_id")
