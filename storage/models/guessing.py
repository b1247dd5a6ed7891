"""Invite guessing, counted per fixed window (bot.services.guessing): one row for the whole bot and one per
chat that typed a wrong code in it. Old windows are deleted as new ones start."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class InviteGuessWindow(Base):
    """Wrong codes across all chats in the window starting at `window_start`; `unknown_wrong` those typed
    in chats not linked to anyone, audited together in one row (`audit_id`)."""

    __tablename__ = "invite_guess_windows"
    id: Mapped[int] = mapped_column(primary_key=True)
    window_start: Mapped[datetime] = mapped_column(unique=True)
    wrong: Mapped[int] = mapped_column(default=0)
    unknown_wrong: Mapped[int] = mapped_column(default=0)
    audit_id: Mapped[int | None]


class InviteGuessChat(Base):
    """Wrong codes from one chat in one window, and whether it was told to wait (once a window)."""

    __tablename__ = "invite_guess_chats"
    __table_args__ = (UniqueConstraint("window_start", "identity_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    window_start: Mapped[datetime]
    identity_id: Mapped[int] = mapped_column(ForeignKey("chat_identities.id"))
    wrong: Mapped[int] = mapped_column(default=0)
    told_to_wait: Mapped[bool] = mapped_column(default=False)
