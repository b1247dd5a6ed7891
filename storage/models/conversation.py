"""What members wrote and staff answered, and the staff threads they are relayed in."""


from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base
from storage.types import EncryptedString, EncryptedText


class ConversationMessage(Base):
    """Everything a member of a family's network wrote to the bot (one row per family they are in), and every
    reply staff sent them: nothing a person writes is lost. The audit trail records that it happened, never
    the text; this is the family's record of the words."""

    __tablename__ = "conversation_messages"
    __table_args__ = (Index("ix_conversation_messages_family_at", "family_id", "at"),
                      Index("ix_conversation_messages_identity_ref", "identity_id", "platform_ref"))
    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id"))
    membership_id: Mapped[int] = mapped_column(ForeignKey("memberships.id"))  # the member in the conversation
    direction: Mapped[str] = mapped_column(String(16))  # bot.domain.vocabulary.Direction
    author_person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))  # the member, or the staff replying
    author_role: Mapped[str | None] = mapped_column(String(24))  # a staff reply: the role it was signed with
    signed: Mapped[bool] = mapped_column(Boolean, default=False)  # a staff reply: first name shown
    identity_id: Mapped[int | None] = mapped_column(ForeignKey("chat_identities.id"))  # the member's chat
    platform_ref: Mapped[str | None] = mapped_column(String(64))  # the platform's message id (edits carry it)
    at: Mapped[datetime]
    language: Mapped[str | None] = mapped_column(String(8))  # the member's language; None: not recognised
    text: Mapped[str] = mapped_column(EncryptedText)  # whole, up to bot.services.conversation.MAX_TEXT characters
    length: Mapped[int] = mapped_column(Integer)  # characters as written (more than kept: refused as too long)
    edited: Mapped[bool] = mapped_column(Boolean, default=False)
    edit_of: Mapped[int | None] = mapped_column(ForeignKey("conversation_messages.id"))
    forwarded: Mapped[bool] = mapped_column(Boolean, default=False)
    forwarded_from: Mapped[str | None] = mapped_column(EncryptedString)  # the original sender's name, if given
    media: Mapped[str | None] = mapped_column(String(16))  # bot.ports.MediaKind
    taken_as: Mapped[str] = mapped_column(String(16))  # bot.domain.vocabulary.TakenAs
    checkin_id: Mapped[int | None] = mapped_column(ForeignKey("checkins.id"))  # the answer or note it became
    # Passed on (bot.services.relay): the role of the person it went to (caseworker | cover | supervisor | duty).
    relayed_role: Mapped[str | None] = mapped_column(String(24))


class RelayThread(Base):
    """The Slack (or console) thread where one member's messages reach one staff chat: the first relayed
    message is its root (an outbox row, whose external_ref is "channel:ts" once sent); later relays and
    escalation copies are replies in it, and a staff reply in it goes to that member."""

    __tablename__ = "relay_threads"
    __table_args__ = (UniqueConstraint("family_id", "membership_id", "identity_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id"))
    membership_id: Mapped[int] = mapped_column(ForeignKey("memberships.id"))
    identity_id: Mapped[int] = mapped_column(ForeignKey("chat_identities.id"))  # the staff chat
    root_outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox.id"))
    created_at: Mapped[datetime]


class HandoverThread(Base):
    """A family's handover thread in one staff reader's chat ("<alias>: handovers"): its root is an outbox row;
    each morning what duty, cover or the supervisor handled for the family is posted as a reply in it."""

    __tablename__ = "handover_threads"
    __table_args__ = (UniqueConstraint("family_id", "identity_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id"))
    identity_id: Mapped[int] = mapped_column(ForeignKey("chat_identities.id"))  # the staff chat
    root_outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox.id"))
    created_at: Mapped[datetime]
