"""The names of the practice, as in shared/domain.md."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    PARENT = "parent"  # parent or carer
    KEY_SAFETY_PERSON = "key_safety_person"
    SUPPORTER = "supporter"
    CASEWORKER = "caseworker"
    SUPERVISOR = "supervisor"
    DUTY = "duty"

    @property
    def is_staff(self) -> bool:
        return self in STAFF_ROLES

    @property
    def is_network(self) -> bool:
        return not self.is_staff


STAFF_ROLES = frozenset({Role.CASEWORKER, Role.SUPERVISOR, Role.DUTY})


class MembershipState(StrEnum):
    INVITED = "invited"
    ACTIVE = "active"
    LEFT = "left"
    DECLINED = "declined"


class Answer(StrEnum):
    DONE = "done"
    NOT_DONE = "not_done"
    WORRIED = "worried"


class CheckinState(StrEnum):
    PENDING = "pending"
    DONE = "done"
    NOT_DONE = "not_done"
    WORRIED = "worried"
    MISSED = "missed"
    CANCELLED = "cancelled"


class EscalationReason(StrEnum):
    MISSED = "missed"  # a bottom-line check-in got no answer by the end of its grace period
    NOT_DONE = "not_done"  # a bottom-line check-in answered "not done"
    WORRIED = "worried"  # any check-in answered "worried"


class EscalationState(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class MeetingKind(StrEnum):
    FAMILY_NETWORK = "family_network"
    REVIEW = "review"
    CORE_GROUP = "core_group"
    CHILD_IN_NEED = "child_in_need"
    LOOKED_AFTER_REVIEW = "looked_after_review"
    PERMANENCE_PLANNING = "permanence_planning"
    OTHER = "other"


class MeetingReply(StrEnum):
    COMING = "coming"
    CANT_COME = "cant_come"


class OutboxState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class Priority:
    """Lower goes first: escalation traffic before routine traffic."""

    URGENT = 0
    NORMAL = 5


class OutboxPurpose(StrEnum):
    """What an outbox row is for (its `kind` column)."""

    REPLY = "reply"  # a direct answer to what a person just did
    CHECKIN = "checkin"  # a check-in question (checkin_id)
    NUDGE = "nudge"  # the one reminder after a missed check-in (checkin_id)
    ESCALATION = "escalation"  # an alert to one step of the chain (escalation_id, escalation_step)
    ESCALATION_UPDATE = "escalation_update"  # a follow-up or in-place update of an alert (escalation_id)
    COMMITMENTS = "commitments"
    JOINED = "joined"
    MEMBER_JOINED = "member_joined"
    MEMBER_LEFT = "member_left"
    CHAT_BLOCKED = "chat_blocked"
    MEETING_INVITE = "meeting_invite"  # (meeting_id)
    MEETING_REMINDER = "meeting_reminder"  # (meeting_id)
    MEETING_CANCELLED = "meeting_cancelled"  # (meeting_id)
    WEEKLY_THANKS = "weekly_thanks"
    DAILY_SUMMARY = "daily_summary"


class PendingReplyKind(StrEnum):
    """What the next typed text of a chat is taken as (the pending_replies table)."""

    CHECKIN_NOTE = "checkin_note"
    RESOLVE_NOTE = "resolve_note"


class JobKind(StrEnum):
    """A periodic job in the `scheduled_jobs` table: what its subject id names, and what runs when it is due."""

    SCHEDULE_FILL = "schedule_fill"  # a commitment: write its check-ins of the next hours (commitments.id)
    MEETING_REMINDER = "meeting_reminder"  # a meeting's next reminder (meetings.id)
    WEEKLY_THANKS = "weekly_thanks"  # a family's weekly thank-you to its members (families.id)
    DAILY_SUMMARY = "daily_summary"  # a caseworker's daily summary (persons.id)
