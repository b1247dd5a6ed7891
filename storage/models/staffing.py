"""Staff away with a cover: each away period a row, started and ended by the engine at its times."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class StaffCover(Base):
    """A member of staff away from `starts_at` to `ends_at` (always set); `cover_person_id` holds their
    families meanwhile (None: the duty team). `started_at` / `ended_at` are set by the sweeps that tell the
    families' members and put the person's routing state in place and back (indexed: the due ones are found
    without scanning)."""

    __tablename__ = "staff_covers"
    __table_args__ = (
        Index("ix_staff_covers_start_due", "started_at", "starts_at"),
        Index("ix_staff_covers_end_due", "ended_at", "ends_at"),
        Index("ix_staff_covers_person", "person_id", "ends_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    cover_person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
