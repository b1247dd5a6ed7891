"""All renderers by name, for older imports (`from messages import render`). The texts live by reader:
messages/members.py, staff.py, escalations.py, summaries.py, labels.py. Data in, a platform-neutral
message out, in the reader's language; no database."""

from __future__ import annotations

from messages.escalations import (  # noqa: F401
    EscalationView,
    escalation_alert,
    escalation_update,
    late_answer_followup,
    repeat_status,
    worry_outside_checkin,
)
from messages.labels import (  # noqa: F401
    ANSWER_ICONS,
    answer_label,
    meeting_kind_label,
)
from messages.members import (  # noqa: F401
    answer_already,
    answer_recorded,
    checkin_prompt,
    consent_request,
    declined,
    discreet_set,
    help_text,
    invite_problem,
    joined,
    language_choice,
    language_set,
    left,
    meeting_cancelled,
    meeting_notice,
    meeting_reply_recorded,
    next_meeting,
    no_open_checkin,
    not_done_reply,
    note_prompt,
    note_saved,
    nudge,
    ordinary_reply,
    paused,
    private_only,
    quiet_help,
    quiet_set,
    refused,
    reveal_label,
    start_without_code,
    timezone_help,
    timezone_set,
    today_checkins,
    typed_only,
    worried_former_reply,
    worried_reply,
    worry_not_passed_on,
    your_commitments,
)
from messages.staff import (  # noqa: F401
    member_joined_notice,
    member_left_notice,
    resolve_note_prompt,
    staff_ack_done,
)
from messages.summaries import (  # noqa: F401
    Kept,
    SummarySection,
    daily_summary,
    weekly_strengths,
    weekly_thanks,
)
