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
    NOT_ASKED = "not_asked"  # the bot never managed to ask it (down, platform unreachable, chat blocked): not a miss
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
    BLOCKED = "blocked"  # held: the chat blocked the bot (never retried; sent again if it unblocks in time)
    CANCELLED = "cancelled"  # never sent: the family was closed or the member erased
    UNKNOWN = "unknown"  # sent, but no answer came (a timeout after the request left): maybe delivered, not resent


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
    ESCALATION_SMS = "escalation_sms"  # the second channel: an exhausted chain by SMS to the duty phone
    ESCALATION_CALL = "escalation_call"  # and, if FAMILYTEAM_DUTY_CALL, by a voice call to it (escalation_id, _step)
    ALERT_HOLDER = "alert_holder"  # the member who raised it told who has the alert now (escalation_id)
    COVER_STARTED = "cover_started"  # members told who covers for the away caseworker, and until when
    COMMITMENTS = "commitments"  # a member's commitments because of what they did (joined, /mine)
    PLAN_CHANGED = "plan_changed"  # a member's commitments because staff changed the plan
    JOINED = "joined"
    MEMBER_JOINED = "member_joined"
    MEMBER_LEFT = "member_left"
    MEMBER_DECLINED = "member_declined"  # the caseworker told that someone said no at consent
    CHAT_BLOCKED = "chat_blocked"
    MEETING_INVITE = "meeting_invite"  # (meeting_id)
    MEETING_REMINDER = "meeting_reminder"  # (meeting_id)
    MEETING_CANCELLED = "meeting_cancelled"  # (meeting_id)
    MEETING_REPLIES = "meeting_replies"  # staff's view of who is coming (meeting_id)
    MEETING_REPLIES_UPDATE = "meeting_replies_update"  # that view edited in place as replies arrive (meeting_id)
    WEEKLY_THANKS = "weekly_thanks"
    DAILY_SUMMARY = "daily_summary"
    RELAY = "relay"  # what a member wrote, passed on to the staff who hold the family (a thread per member)
    STAFF_REPLY = "staff_reply"  # a member of staff's answer to a member
    CASE_CLOSED = "case_closed"  # the goodbye to members and the note to staff when a family is closed
    REVIEW_OVERDUE = "review_overdue"  # a review past its date, told to the supervisor once
    OUTAGE = "outage"  # the caseworker told which check-ins could not be asked during an outage
    HANDOVER = "handover"  # a family's handover thread root, and each morning's handover in it (staff)

    @property
    def resent_when_unknown(self) -> bool:
        """A send whose outcome is unknown (a timeout after the request left) is sent again only for safety:
        an alert that may not have arrived matters more than one that arrives twice (the duplicate is counted).
        Anything else is not resent: a routine message that may have arrived is never risked twice."""
        return self in SAFETY

    @property
    def waits_out_quiet_hours(self) -> bool:
        """Held by the reader's quiet hours and pause: scheduled prompts and routine notices nobody asked for
        just now. What answers a person's own action (a reply, their commitments after consent or /mine,
        a confirmation) goes at once; so do escalations and their updates. A check-in question comes at the
        time the member agreed to in their commitment, so it is not held either (its grace starts then)."""
        return self in HELD_IN_QUIET_HOURS


SAFETY = frozenset({OutboxPurpose.ESCALATION, OutboxPurpose.ESCALATION_UPDATE, OutboxPurpose.ESCALATION_SMS,
                    OutboxPurpose.ALERT_HOLDER})

HELD_IN_QUIET_HOURS = frozenset({
    OutboxPurpose.NUDGE, OutboxPurpose.MEETING_REMINDER, OutboxPurpose.WEEKLY_THANKS, OutboxPurpose.DAILY_SUMMARY,
    OutboxPurpose.PLAN_CHANGED, OutboxPurpose.MEETING_INVITE, OutboxPurpose.MEETING_CANCELLED,
    OutboxPurpose.MEMBER_JOINED, OutboxPurpose.MEMBER_LEFT, OutboxPurpose.MEMBER_DECLINED, OutboxPurpose.CHAT_BLOCKED,
    OutboxPurpose.CASE_CLOSED, OutboxPurpose.REVIEW_OVERDUE, OutboxPurpose.HANDOVER,
})


class PendingReplyKind(StrEnum):
    """What the next typed text of a chat is taken as (the pending_replies table)."""

    CHECKIN_NOTE = "checkin_note"
    RESOLVE_NOTE = "resolve_note"
    STAFF_REPLY = "staff_reply"  # staff pressed Reply on a relayed message: their next text goes to the member


class Direction(StrEnum):
    """Which way a conversation message went (the conversation_messages table)."""

    FROM_MEMBER = "from_member"
    TO_MEMBER = "to_member"


class TakenAs(StrEnum):
    """What the bot did with what a member wrote (conversation_messages.taken_as)."""

    RELAYED = "relayed"  # not acted on: passed on to the staff who hold the family
    WORRY = "worry"  # escalated (and relayed into the staff thread)
    ANSWER = "answer"  # a check-in answer
    NOTE = "note"  # a check-in note
    COMMAND = "command"  # a command word
    TOO_LONG = "too_long"  # over the limit: refused, the start kept, staff told
    MEDIA = "media"  # a voice note, photo, ... without text: staff told it arrived
    STAFF_REPLY = "staff_reply"  # staff to member


class JobKind(StrEnum):
    """A periodic job in the `scheduled_jobs` table: what its subject id names, and what runs when it is due."""

    SCHEDULE_FILL = "schedule_fill"  # a commitment: write its check-ins of the next hours (commitments.id)
    MEETING_REMINDER = "meeting_reminder"  # a meeting's next reminder (meetings.id)
    WEEKLY_THANKS = "weekly_thanks"  # a family's weekly thank-you to its members (families.id)
    DAILY_SUMMARY = "daily_summary"  # a caseworker's daily summary (persons.id)
