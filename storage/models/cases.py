"""A case's reviews and timescales, its closing, and erasures."""


from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base
from storage.types import EncryptedText


class ReviewSchedule(Base):
    """A family's review framework (bot.domain.timescales) and the region whose bank holidays it skips."""

    __tablename__ = "review_schedules"
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id"), primary_key=True)
    framework: Mapped[str] = mapped_column(String(40))
    region: Mapped[str] = mapped_column(String(16))
    updated_at: Mapped[datetime]


class ReviewDate(Base):
    """One review meeting of a family: when it is due (from its framework, or set by staff), when it took
    place, and when its supervisor is to be told it is overdue (`report_at`, None once told or held)."""

    __tablename__ = "review_dates"
    __table_args__ = (UniqueConstraint("family_id", "kind", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # a framework's step kind, or "plan_review"
    number: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[date | None]  # the family's local date
    held_on: Mapped[date | None]
    overridden: Mapped[bool] = mapped_column(Boolean, default=False)
    report_at: Mapped[datetime | None] = mapped_column(index=True)
    reported_at: Mapped[datetime | None]


class CaseClosure(Base):
    """A closed family: when and by whom, and when its personal data is erased (`erase_at`, None once done)."""

    __tablename__ = "case_closures"
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id"), primary_key=True)
    closed_at: Mapped[datetime]
    closed_by: Mapped[str] = mapped_column(String(64))
    erase_at: Mapped[datetime | None] = mapped_column(index=True)
    erased_at: Mapped[datetime | None]


class MemberErasure(Base):
    """A network member's personal data erased (asked with /forget, or by staff). The chat address is scrubbed
    a little later (`scrub_at`, None once done), so the confirmation can still reach them."""

    __tablename__ = "member_erasures"
    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("memberships.id"), unique=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    erased_at: Mapped[datetime]
    erased_by: Mapped[str] = mapped_column(String(64))
    scrub_at: Mapped[datetime | None] = mapped_column(index=True)


class ProtectedTerm(Base):
    """A word that must never reach the family's members (a child's name or nickname, a date of birth, the school,
    the address, another case word), entered by staff; matched by bot.domain.protected. Encrypted at rest."""

    __tablename__ = "protected_terms"
    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id"), index=True)
    text: Mapped[str] = mapped_column(EncryptedText)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
