"""plan drafts

The plan editor keeps a big plan's edits server-side (a Slack modal's private_metadata holds 3000
characters): one row per open editor.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plan_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("family_id", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(length=64), nullable=False),
        sa.Column("base_version", sa.Integer(), nullable=False),
        sa.Column("bottom_lines", sa.JSON(), nullable=False),
        sa.Column("commitments", sa.JSON(), nullable=False),
        sa.Column("next_ref", sa.Integer(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["family_id"], ["families.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_plan_drafts_family_id", "plan_drafts", ["family_id"])
    op.create_index("ix_plan_drafts_created_at", "plan_drafts", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_plan_drafts_created_at", table_name="plan_drafts")
    op.drop_index("ix_plan_drafts_family_id", table_name="plan_drafts")
    op.drop_table("plan_drafts")
