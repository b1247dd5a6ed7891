"""scheduled jobs

The engine finds periodic work (schedule fill, meeting reminders, weekly thanks, daily summaries) through
one indexed table of "next due at" moments instead of scanning every family and caseworker on each tick;
check-ins get an index for their grace times. Existing databases get one job per commitment, meeting,
family and caseworker, due at once: the first tick works out each one's next moment.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)  # due for any clock: the first tick settles each job


def _fill(jobs: sa.Table, kind: str, subjects: sa.Select[tuple[int]]) -> None:
    rows = sa.select(sa.literal(kind, sa.String(24)), subjects.subquery().c[0],
                     sa.literal(LONG_AGO, storage.types.UTCDateTime(timezone=True)))
    op.execute(jobs.insert().from_select(["kind", "subject_id", "due_at"], rows))


def upgrade() -> None:
    jobs = op.create_table(
        "scheduled_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("due_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "subject_id"),
    )
    op.create_index("ix_scheduled_jobs_kind_due", "scheduled_jobs", ["kind", "due_at"])
    op.create_index("ix_checkins_state_grace", "checkins", ["state", "grace_ends_at"])
    assert jobs is not None
    commitments = sa.table("commitments", sa.column("id", sa.Integer), sa.column("active", sa.Boolean))
    meetings = sa.table("meetings", sa.column("id", sa.Integer), sa.column("cancelled", sa.Boolean))
    families = sa.table("families", sa.column("id", sa.Integer))
    memberships = sa.table("memberships", sa.column("person_id", sa.Integer), sa.column("role", sa.String),
                           sa.column("state", sa.String))
    _fill(jobs, "schedule_fill", sa.select(commitments.c.id).where(commitments.c.active.is_(True)))
    _fill(jobs, "meeting_reminder", sa.select(meetings.c.id).where(meetings.c.cancelled.is_(False)))
    _fill(jobs, "weekly_thanks", sa.select(families.c.id))
    _fill(jobs, "daily_summary", sa.select(memberships.c.person_id).distinct().where(
        memberships.c.role == "caseworker", memberships.c.state == "active", memberships.c.person_id.is_not(None)))


def downgrade() -> None:
    op.drop_index("ix_checkins_state_grace", table_name="checkins")
    op.drop_index("ix_scheduled_jobs_kind_due", table_name="scheduled_jobs")
    op.drop_table("scheduled_jobs")
