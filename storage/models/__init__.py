"""The tables. Every time is a UTC instant (UTCDateTime); local times are computed, never stored.

One module per part of the record; import them from here."""

from storage.models.base import Base
from storage.models.cases import CaseClosure, MemberErasure, ProtectedTerm, ReviewDate, ReviewSchedule
from storage.models.conversation import ConversationMessage, HandoverThread, RelayThread
from storage.models.core import (
    AuditEvent,
    BottomLine,
    ChatIdentity,
    Checkin,
    CheckinAnswer,
    Commitment,
    Escalation,
    EscalationNotice,
    Family,
    InboundReceipt,
    Invite,
    KeyValue,
    Meeting,
    MeetingInvitee,
    Membership,
    OutboxMessage,
    PendingReply,
    Person,
    PlanDraft,
    PlanVersion,
    ScheduledJob,
    SweepMark,
)
from storage.models.guessing import InviteGuessChat, InviteGuessWindow
from storage.models.staffing import StaffCover

__all__ = [
    "AuditEvent",
    "Base",
    "BottomLine",
    "CaseClosure",
    "ChatIdentity",
    "Checkin",
    "CheckinAnswer",
    "Commitment",
    "ConversationMessage",
    "Escalation",
    "EscalationNotice",
    "Family",
    "HandoverThread",
    "InboundReceipt",
    "Invite",
    "InviteGuessChat",
    "InviteGuessWindow",
    "KeyValue",
    "Meeting",
    "MeetingInvitee",
    "MemberErasure",
    "Membership",
    "OutboxMessage",
    "PendingReply",
    "Person",
    "PlanDraft",
    "PlanVersion",
    "ProtectedTerm",
    "RelayThread",
    "ReviewDate",
    "ReviewSchedule",
    "ScheduledJob",
    "StaffCover",
    "SweepMark",
]
