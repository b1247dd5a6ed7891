"""how far each person's last daily summary reached

A daily summary covers everything since the person's last one. Where the last one reached is kept
(persons.summary_covered_until), not worked out again from the summary time, which may have changed since:
after a caseworker moved their summary from 08:30 to 10:15, the next summary repeated the day before's
misses and alerts.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("persons", sa.Column("summary_covered_until", storage.types.UTCDateTime(timezone=True),
                                       nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("persons") as batch:
        batch.drop_column("summary_covered_until")
