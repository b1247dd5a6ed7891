"""The families, their people and plans, check-ins, escalations, the outbox and the audit trail."""


from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base
from storage.types import EncryptedJSON, EncryptedText


class Family(Base):
    __tablename__ = "families"
    id: Mapped[int] = mapped_column(primary_key=True)
    alias: Mapped[str] = mapped_column(String(80))
    timezone: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8), default="en")
    work_start: Mapped[str] = mapped_column(String(5), default="09:00")
    work_end: Mapped[str] = mapped_column(String(5), default="17:00")
    work_days: Mapped[str] = mapped_column(String(32), default="MO,TU,WE,TH,FR")
    emergency_number: Mapped[str] = mapped_column(String(16), default="999")
    ack_timeout_minutes: Mapped[int] = mapped_column(Integer, default=30)
    created_at: Mapped[datetime]


class Person(Base):
    __tablename__ = "persons"
    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str] = mapped_column(String(80))
    language: Mapped[str | None] = mapped_column(String(8))
    timezone: Mapped[str | None] = mapped_column(String(64))
    quiet_start: Mapped[str] = mapped_column(String(5), default="21:00")
    quiet_end: Mapped[str] = mapped_column(String(5), default="08:00")
    discreet: Mapped[bool] = mapped_column(Boolean, default=False)
    paused_until: Mapped[datetime | None]
    away_until: Mapped[datetime | None]
    cover_person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    summary_time: Mapped[str] = mapped_column(String(5), default="08:30")
    # The moment the person's last daily summary covered up to: the next one starts there.
    summary_covered_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    identities: Mapped[list[ChatIdentity]] = relationship(back_populates="person")


class ChatIdentity(Base):
    """One person's address on one platform (a person may be on Telegram and on Slack)."""

    __tablename__ = "chat_identities"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    # None until the chat is linked to a member by an accepted invite.
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    platform: Mapped[str] = mapped_column(String(16))
    language: Mapped[str | None] = mapped_column(String(8))
    external_id: Mapped[str] = mapped_column(String(64))
    blocked_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    person: Mapped[Person | None] = relationship(back_populates="identities")


class Membership(Base):
    """A place in one family's network or team. `name` is the name given at invite."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("family_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    role: Mapped[str] = mapped_column(String(24))
    state: Mapped[str] = mapped_column(String(16))
    consent_at: Mapped[datetime | None]
    left_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class Invite(Base):
    __tablename__ = "invites"
    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("memberships.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    language: Mapped[str | None] = mapped_column(String(8))  # set by staff: the member's language from consent on
    # Set by staff: the consent request and everything after show no case content until tapped (shared phone).
    discreet: Mapped[bool] = mapped_column(Boolean, default=False)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    opened_by_identity_id: Mapped[int | None] = mapped_column(ForeignKey("chat_identities.id"))  # /start CODE
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]


class PlanVersion(Base):
    __tablename__ = "plan_versions"
    __table_args__ = (UniqueConstraint("family_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    content: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    author: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(EncryptedText, default="")
    created_at: Mapped[datetime]


class BottomLine(Base):
    __tablename__ = "bottom_lines"
    __table_args__ = (UniqueConstraint("family_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(EncryptedText)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Commitment(Base):
    __tablename__ = "commitments"
    __table_args__ = (UniqueConstraint("family_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    owner_membership_id: Mapped[int] = mapped_column(ForeignKey("memberships.id"), index=True)
    text: Mapped[str] = mapped_column(EncryptedText)
    question: Mapped[str] = mapped_column(EncryptedText)
    rrule: Mapped[str] = mapped_column(Text)
    grace_minutes: Mapped[int] = mapped_column(Integer)
    bottom_line_id: Mapped[int | None] = mapped_column(ForeignKey("bottom_lines.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    uncovered_since: Mapped[datetime | None]
    scheduled_until: Mapped[datetime | None] = mapped_column(index=True)
    plan_version_id: Mapped[int] = mapped_column(ForeignKey("plan_versions.id"))


class Checkin(Base):
    """One occurrence of a commitment's check-in question."""

    __tablename__ = "checkins"
    __table_args__ = (
        UniqueConstraint("commitment_id", "due_at"),
        Index("ix_checkins_state_due", "state", "due_at"),
        Index("ix_checkins_state_grace", "state", "grace_ends_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitments.id"))
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id"), index=True)
    due_at: Mapped[datetime]
    grace_ends_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(16))
    asked_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(EncryptedText)
    missed_at: Mapped[datetime | None]


class CheckinAnswer(Base):
    """Every answer ever given, so nothing the network says is lost (the check-in holds the latest)."""

    __tablename__ = "checkin_answers"
    id: Mapped[int] = mapped_column(primary_key=True)
    checkin_id: Mapped[int] = mapped_column(ForeignKey("checkins.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    answer: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(EncryptedText)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    at: Mapped[datetime]


class Meeting(Base):
    __tablename__ = "meetings"
    __table_args__ = (UniqueConstraint("family_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id"), index=True)
    key: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(32))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    place: Mapped[str] = mapped_column(EncryptedText, default="")
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    # When invitations for the current time went out: reminders due before that are skipped.
    invited_at: Mapped[datetime | None]


class MeetingInvitee(Base):
    __tablename__ = "meeting_invitees"
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), primary_key=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("memberships.id"), primary_key=True)
    reply: Mapped[str | None] = mapped_column(String(16))
    replied_at: Mapped[datetime | None]


class Escalation(Base):
    __tablename__ = "escalations"
    __table_args__ = (
        UniqueConstraint("checkin_id", "reason"),
        Index("ix_escalations_state_next", "state", "next_step_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id"), index=True)
    # The check-in behind it; None for a worry a member sent when no check-in was open.
    checkin_id: Mapped[int | None] = mapped_column(ForeignKey("checkins.id"))
    answer_id: Mapped[int | None] = mapped_column(ForeignKey("checkin_answers.id"))
    membership_id: Mapped[int | None] = mapped_column(ForeignKey("memberships.id"))  # who raised a worry
    words: Mapped[str | None] = mapped_column(EncryptedText)  # a worry's own words (check-in answers keep theirs)
    # The conversation_messages row a worry came in (its edited / forwarded flags are shown in the alert). No
    # foreign key: SQLite cannot add one to a table other tables point at without rebuilding it.
    message_id: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    chain: Mapped[list[Any]]  # person ids, in the order they are told
    # The role each of them holds for this alert (caseworker | cover | supervisor | duty), as routed when opened:
    # what the member is told. None on rows from before it was kept.
    chain_roles: Mapped[list[Any] | None]
    # Absolute step: it keeps counting as the chain goes round (bot.domain.routing.chain_index).
    step: Mapped[int] = mapped_column(Integer, default=0)
    repeats: Mapped[int] = mapped_column(Integer, default=0)  # repeats to the current step's person so far
    step_ends_at: Mapped[datetime | None]  # when the current step gives way to the next (None: the final stop)
    next_step_at: Mapped[datetime | None]  # the next repeat or step, whichever is first (indexed with state)
    opened_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    resolution_note: Mapped[str | None] = mapped_column(EncryptedText)


class EscalationNotice(Base):
    """Who was told about an escalation, at which step and when."""

    __tablename__ = "escalation_notices"
    __table_args__ = (UniqueConstraint("escalation_id", "person_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(ForeignKey("escalations.id"), index=True)
    step: Mapped[int] = mapped_column(Integer)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    role: Mapped[str] = mapped_column(String(24))
    notified_at: Mapped[datetime]


class OutboxMessage(Base):
    """Every outbound message is a row first; the dispatcher delivers it once per idempotency key."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "state", "next_attempt_at", "priority"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(160), unique=True)
    identity_id: Mapped[int] = mapped_column(ForeignKey("chat_identities.id"), index=True)
    family_id: Mapped[int | None] = mapped_column(ForeignKey("families.id"), index=True)
    # What the message is for (bot.domain.vocabulary.OutboxPurpose), and what it belongs to: workers query
    # these columns, never the idempotency key.
    kind: Mapped[str] = mapped_column(String(32))
    checkin_id: Mapped[int | None] = mapped_column(ForeignKey("checkins.id"), index=True)
    escalation_id: Mapped[int | None] = mapped_column(ForeignKey("escalations.id"), index=True)
    escalation_step: Mapped[int | None] = mapped_column(Integer)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"), index=True)
    priority: Mapped[int] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON)  # rendered texts: encrypted
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    claimed_until: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    external_ref: Mapped[str | None] = mapped_column(String(128))
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]


class InboundReceipt(Base):
    """Platform event ids already handled, so a redelivered update has no second effect."""

    __tablename__ = "inbound_receipts"
    __table_args__ = (UniqueConstraint("platform", "event_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    event_id: Mapped[str] = mapped_column(String(128))
    received_at: Mapped[datetime]


class AuditEvent(Base):
    """Who did what, when. Never message text."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(48))
    outcome: Mapped[str] = mapped_column(String(16))
    family_id: Mapped[int | None] = mapped_column(index=True)
    subject: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(String(120))


class PendingReply(Base):
    """A chat's conversation state: the bot asked this chat for a typed note (on a check-in, or resolving
    an escalation) and takes its next text as that note until it expires."""

    __tablename__ = "pending_replies"
    id: Mapped[int] = mapped_column(primary_key=True)
    identity_id: Mapped[int] = mapped_column(ForeignKey("chat_identities.id"), unique=True)
    kind: Mapped[str] = mapped_column(String(24))  # bot.domain.vocabulary.PendingReplyKind
    checkin_id: Mapped[int | None] = mapped_column(ForeignKey("checkins.id"))
    escalation_id: Mapped[int | None] = mapped_column(ForeignKey("escalations.id"))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("conversation_messages.id"))  # staff reply to it
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class PlanDraft(Base):
    """A plan being edited in a form too big to carry its own edits (Slack's plan editor): the bottom lines
    and commitments as edited so far (bot.services.plan_editor's EditedLine / EditedCommitment as JSON
    objects), kept until the plan is saved; drafts left open are removed after a day."""

    __tablename__ = "plan_drafts"
    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id"), index=True)
    author: Mapped[str] = mapped_column(String(64))  # the editing actor's label ("person:12")
    base_version: Mapped[int] = mapped_column(Integer)  # the version the editor started from (0: none)
    bottom_lines: Mapped[list[Any]] = mapped_column(EncryptedJSON)
    commitments: Mapped[list[Any]] = mapped_column(EncryptedJSON)
    next_ref: Mapped[int] = mapped_column(Integer, default=0)  # numbers the refs of items added
    created_at: Mapped[datetime] = mapped_column(index=True)
    updated_at: Mapped[datetime]


class KeyValue(Base):
    """Small installation facts, e.g. the generated button-signing secret."""

    __tablename__ = "key_values"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class SweepMark(Base):
    """A periodic job done for one period ("weekly:3:2026-11-29"), so it is done once across instances."""

    __tablename__ = "sweep_marks"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    at: Mapped[datetime]


class ScheduledJob(Base):
    """When a periodic job (bot.domain.vocabulary.JobKind) next has work for one subject (a commitment, a
    meeting, a family, a caseworker). Set to "now" when the job's inputs change, moved on when the job runs,
    so the engine finds its work (and the next moment) by index, never by scanning families or staff."""

    __tablename__ = "scheduled_jobs"
    __table_args__ = (
        UniqueConstraint("kind", "subject_id"),
        Index("ix_scheduled_jobs_kind_due", "kind", "due_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    subject_id: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime]
