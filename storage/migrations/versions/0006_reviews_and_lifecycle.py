"""reviews and case lifecycle

Review dates from a family's framework (and the plan's review_by), closed families with their erasure
date, and members' erasures.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _at(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, storage.types.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "review_schedules",
        sa.Column("family_id", sa.Integer(), nullable=False),
        sa.Column("framework", sa.String(length=40), nullable=False),
        sa.Column("region", sa.String(length=16), nullable=False),
        _at("updated_at"),
        sa.ForeignKeyConstraint(["family_id"], ["families.id"]),
        sa.PrimaryKeyConstraint("family_id"),
    )
    op.create_table(
        "review_dates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("family_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("held_on", sa.Date(), nullable=True),
        sa.Column("overridden", sa.Boolean(), nullable=False),
        _at("report_at", True),
        _at("reported_at", True),
        sa.ForeignKeyConstraint(["family_id"], ["families.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("family_id", "kind", "number"),
    )
    op.create_index("ix_review_dates_family_id", "review_dates", ["family_id"])
    op.create_index("ix_review_dates_report_at", "review_dates", ["report_at"])
    op.create_table(
        "case_closures",
        sa.Column("family_id", sa.Integer(), nullable=False),
        _at("closed_at"),
        sa.Column("closed_by", sa.String(length=64), nullable=False),
        _at("erase_at", True),
        _at("erased_at", True),
        sa.ForeignKeyConstraint(["family_id"], ["families.id"]),
        sa.PrimaryKeyConstraint("family_id"),
    )
    op.create_index("ix_case_closures_erase_at", "case_closures", ["erase_at"])
    op.create_table(
        "member_erasures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("membership_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        _at("erased_at"),
        sa.Column("erased_by", sa.String(length=64), nullable=False),
        _at("scrub_at", True),
        sa.ForeignKeyConstraint(["membership_id"], ["memberships.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("membership_id"),
    )
    op.create_index("ix_member_erasures_scrub_at", "member_erasures", ["scrub_at"])


def downgrade() -> None:
    op.drop_index("ix_member_erasures_scrub_at", table_name="member_erasures")
    op.drop_table("member_erasures")
    op.drop_index("ix_case_closures_erase_at", table_name="case_closures")
    op.drop_table("case_closures")
    op.drop_index("ix_review_dates_report_at", table_name="review_dates")
    op.drop_index("ix_review_dates_family_id", table_name="review_dates")
    op.drop_table("review_dates")
    op.drop_table("review_schedules")
