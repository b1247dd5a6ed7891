"""alerts that never go quiet, and covers

Escalations keep the role of each person in their chain, repeats at the current step and when the step
ends (the step counts on as the chain goes round); staff away periods with their cover are rows that the
engine starts and ends.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _at(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, storage.types.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("escalations") as batch:
        batch.add_column(sa.Column("chain_roles", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("repeats", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(_at("step_ends_at", True))
    op.create_table(
        "staff_covers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("cover_person_id", sa.Integer(), nullable=True),
        _at("starts_at"),
        _at("ends_at"),
        _at("started_at", True),
        _at("ended_at", True),
        _at("created_at"),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"]),
        sa.ForeignKeyConstraint(["cover_person_id"], ["persons.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_staff_covers_start_due", "staff_covers", ["started_at", "starts_at"])
    op.create_index("ix_staff_covers_end_due", "staff_covers", ["ended_at", "ends_at"])
    op.create_index("ix_staff_covers_person", "staff_covers", ["person_id", "ends_at"])


def downgrade() -> None:
    op.drop_index("ix_staff_covers_person", table_name="staff_covers")
    op.drop_index("ix_staff_covers_end_due", table_name="staff_covers")
    op.drop_index("ix_staff_covers_start_due", table_name="staff_covers")
    op.drop_table("staff_covers")
    with op.batch_alter_table("escalations") as batch:
        batch.drop_column("step_ends_at")
        batch.drop_column("repeats")
        batch.drop_column("chain_roles")
