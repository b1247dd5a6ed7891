"""What agency staff can ask for, as plain data (no platform in here), and what it came to.

`FIELD` names the form field a refusal or error is shown against; `FIELDS` maps a service error's reason
to a more precise field. Field names are the intents' own; an adapter names its form inputs after them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ClassVar

from bot.services.plan_editor import EditedCommitment, EditedLine, PlanEdit


@dataclass
class Outcome:
    """What a staff intent came to: plain lines to show, a value (form data), or problems by field."""

    language: str
    lines: list[str] = field(default_factory=list)
    value: Any = None
    errors: dict[str, str] = field(default_factory=dict)
    duplicate: bool = False  # a retry of a request already handled: do nothing visible

    @property
    def ok(self) -> bool:
        return not self.errors and not self.duplicate

    @property
    def problem(self) -> str:
        return next(iter(self.errors.values()), "")


@dataclass(frozen=True)
class Intent:
    FIELD: ClassVar[str] = "error"
    FIELDS: ClassVar[dict[str, str]] = {}
    ANYONE: ClassVar[bool] = False  # True: also for a user nobody has linked to a person


@dataclass(frozen=True)
class Language(Intent):
    """Only the asker's language (for the help); anyone may ask."""

    ANYONE: ClassVar[bool] = True


# --- opening forms and reading ----------------------------------------------------------------------

@dataclass(frozen=True)
class Hello(Intent):
    """Who is asking (refused if unknown); nothing else. Opens the away form."""


@dataclass(frozen=True)
class CanCreateFamily(Intent):
    """May this person create a family (any agency staff)?"""


@dataclass(frozen=True)
class FamilyTask(Intent):
    """`then` (invite | plan | meeting | status) for the family named `name` (or the only one, or a choice)."""

    then: str
    name: str = ""
    FIELD: ClassVar[str] = "family"


@dataclass(frozen=True)
class FamilyForm(Intent):
    """The data of the form for `then` on one family (value: InviteForm | MeetingForm | PlanForm | status)."""

    then: str
    family_id: int
    FIELD: ClassVar[str] = "family"


@dataclass(frozen=True)
class HomeView(Intent):
    """What this member of staff sees at a glance (value: bot.services.home.Home)."""


@dataclass(frozen=True)
class ResolveForm(Intent):
    """Pressed button data: if it is a Resolve this person may use now, the escalation and its title."""

    data: str
    ANYONE: ClassVar[bool] = True  # an unknown user's press is refused (and audited) by the router instead


# --- doing -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class NewFamily(Intent):
    alias: str
    timezone: str
    language: str
    work_start: str
    work_end: str
    work_days: list[str]
    supervisor: str | None  # a user on the asker's platform
    duty: str | None
    FIELD: ClassVar[str] = "alias"
    FIELDS: ClassVar[dict[str, str]] = {"bad_timezone": "timezone", "bad_hours": "work_start",
                                        "bad_language": "language"}


@dataclass(frozen=True)
class Invite(Intent):
    family_id: int
    name: str
    role: str
    chat_user: str | None = None  # a user on the asker's platform, asked for consent directly
    language: str | None = None  # their language, if staff know it (else their chat's, or the family's)
    discreet: bool = False  # a shared phone: nothing readable until they tap Show, from the consent request on
    FIELD: ClassVar[str] = "name"
    FIELDS: ClassVar[dict[str, str]] = {"is_staff": "chat_user", "bad_role": "role", "bad_language": "language"}


@dataclass(frozen=True)
class EditPlan(Intent):
    """Save a plan edited in a form. With `draft_id` the bottom lines and commitments are the draft's (edited
    one by one with EditPlanItem), and `edit` brings the rest (contingency, people to avoid, reason)."""

    family_id: int
    version: int  # the version the editor showed (0: none); a newer one is never overwritten unseen
    edit: PlanEdit
    draft_id: int | None = None
    FIELD: ClassVar[str] = "reason"
    FIELDS: ClassVar[dict[str, str]] = {"draft_gone": "reason"}


@dataclass(frozen=True)
class PlanItemForm(Intent):
    """The form for one bottom line or commitment of an open plan draft (value: PlanItem); ref "" adds one."""

    draft_id: int
    kind: str  # "bottom_line" | "commitment"
    ref: str = ""


@dataclass(frozen=True)
class EditPlanItem(Intent):
    """One bottom line or commitment edited in its own form (ref "": a new one), put in the draft if it is
    valid (value: the draft's PlanForm, to show again); else problems by the item form's field."""

    draft_id: int
    item: EditedLine | EditedCommitment
    FIELD: ClassVar[str] = "text"


@dataclass(frozen=True)
class ScheduleMeeting(Intent):
    family_id: int
    kind: str
    starts_local: datetime  # the family's local time, naive
    place: str
    invitees: list[int]
    FIELD: ClassVar[str] = "date"


@dataclass(frozen=True)
class Away(Intent):
    until: date | None  # None: back now
    cover: str | None  # a user on the asker's platform
    FIELD: ClassVar[str] = "until"


@dataclass(frozen=True)
class Resolve(Intent):
    escalation_id: int
    note: str
    FIELD: ClassVar[str] = "note"


@dataclass(frozen=True)
class Reply(Intent):
    """Answer a member: the writer of message `message_id`, or (by family name) whoever of that family wrote
    last. `sign`: show the replier's first name beside their role."""

    text: str
    message_id: int | None = None
    family: str = ""
    sign: bool = False
    FIELD: ClassVar[str] = "text"
    FIELDS: ClassVar[dict[str, str]] = {"no_family": "family"}


@dataclass(frozen=True)
class CloseFamily(Intent):
    """Close the family named `name` (its alias or id; never guessed): bot.services.lifecycle."""

    name: str
    FIELD: ClassVar[str] = "family"


@dataclass(frozen=True)
class SetSummaryTime(Intent):
    at: str  # HH:MM


# --- form data ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FamilyChoice:
    then: str
    families: list[tuple[int, str]]  # (id, alias)


@dataclass(frozen=True)
class InviteForm:
    family_id: int
    alias: str


@dataclass(frozen=True)
class MeetingForm:
    family_id: int
    alias: str
    kinds: list[str]
    members: list[tuple[int, str]]  # active network members (id, name)
    today: date  # in the family's time zone


@dataclass(frozen=True)
class PlanForm:
    family_id: int
    alias: str
    version: int | None
    content: dict[str, Any]  # the latest version's (contingency, people to avoid)
    members: list[str]  # network members' names
    draft_id: int = 0
    bottom_lines: list[EditedLine] = field(default_factory=list)  # as edited so far (the draft's)
    commitments: list[EditedCommitment] = field(default_factory=list)


@dataclass(frozen=True)
class PlanItem:
    """One bottom line or commitment of a draft, for its form."""

    draft_id: int
    kind: str  # "bottom_line" | "commitment"
    number: int  # its place in the plan, from 1 (0: a new one)
    line: EditedLine | None
    commitment: EditedCommitment | None
    members: list[str]
    guards: list[tuple[str, str]]  # bottom lines it may guard: (key, text)


@dataclass(frozen=True)
class Status:
    data: dict[str, Any]  # bot.services.records.status
