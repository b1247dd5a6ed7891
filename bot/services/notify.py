"""Putting messages in the outbox for a person, in their language, respecting their quiet hours.

Every row says what it is for (`purpose`, an OutboxPurpose, stored in the `kind` column) and what it
belongs to (check-in, escalation and step, meeting). Workers query those columns; the idempotency key
is only ever a dedup key."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite

from bot.buttons import ButtonAction, make
from bot.domain.hours import quiet_until
from bot.domain.vocabulary import OutboxPurpose, OutboxState, Priority
from bot.services import payloads, protected
from bot.services.context import Ctx
from messages.catalog import Translator, supported, translator
from messages.members import discreet_generic, hide_label, reveal_label
from messages.outbound import OutboundMessage
from storage.bulk import BulkInsert
from storage.models import ChatIdentity, Family, OutboxMessage, Person
from storage.upsert import insert_ignore

Render = Callable[[Translator], OutboundMessage]

# What goes to a family's members (never staff): guarded against protected terms once more as it is queued.
MEMBER_FACING = frozenset({
    OutboxPurpose.CHECKIN, OutboxPurpose.NUDGE, OutboxPurpose.ALERT_HOLDER, OutboxPurpose.COVER_STARTED,
    OutboxPurpose.COMMITMENTS, OutboxPurpose.PLAN_CHANGED, OutboxPurpose.JOINED, OutboxPurpose.MEETING_INVITE,
    OutboxPurpose.MEETING_REMINDER, OutboxPurpose.MEETING_CANCELLED, OutboxPurpose.WEEKLY_THANKS,
    OutboxPurpose.STAFF_REPLY})


@dataclass(frozen=True)
class Link:
    """What an outbox row is for and what it belongs to (its typed columns)."""

    purpose: OutboxPurpose = OutboxPurpose.REPLY
    checkin_id: int | None = None
    escalation_id: int | None = None
    escalation_step: int | None = None
    meeting_id: int | None = None

    def columns(self) -> dict[str, Any]:
        return {"kind": self.purpose.value, "checkin_id": self.checkin_id, "escalation_id": self.escalation_id,
                "escalation_step": self.escalation_step, "meeting_id": self.meeting_id}


def link(purpose: OutboxPurpose, checkin_id: int | None = None, escalation_id: int | None = None,
         escalation_step: int | None = None, meeting_id: int | None = None) -> Link:
    return Link(OutboxPurpose(purpose), checkin_id, escalation_id, escalation_step, meeting_id)


def person_language(person: Person, family: Family | None) -> str:
    return person.language or (family.language if family else None) or "en"


def person_timezone(person: Person, family: Family | None) -> str:
    return person.timezone or (family.timezone if family else "UTC")


def reachable_identities(ctx: Ctx, person_id: int) -> list[ChatIdentity]:
    rows = ctx.s.scalars(select(ChatIdentity).where(ChatIdentity.person_id == person_id,
                                                    ChatIdentity.blocked_at.is_(None))
                         .order_by(ChatIdentity.id.desc()))
    return list(rows)


def _row(ctx: Ctx, identity_id: int, message: OutboundMessage, key: str, about: Link, family_id: int | None,
         priority: int, when: object, payload: Any = None) -> dict[str, Any]:
    return {"idempotency_key": key[:160], "identity_id": identity_id, "family_id": family_id, **about.columns(),
            "priority": priority, "payload": message.to_payload() if payload is None else payload,
            "state": OutboxState.PENDING, "attempts": 0, "next_attempt_at": when, "created_at": ctx.now}


def enqueue(ctx: Ctx, identity_id: int, message: OutboundMessage, *, key: str, family_id: int | None,
            priority: int, not_before: object = None, purpose: OutboxPurpose = OutboxPurpose.REPLY,
            checkin_id: int | None = None, escalation_id: int | None = None, escalation_step: int | None = None,
            meeting_id: int | None = None) -> int | None:
    """Record one outbound message. The same key twice records (and so sends) it once."""
    about = link(purpose, checkin_id, escalation_id, escalation_step, meeting_id)
    oid = insert_ignore(ctx.s, OutboxMessage.__table__,  # type: ignore[arg-type]
                        _row(ctx, identity_id, message, key, about, family_id, priority, not_before or ctx.now),
                        ["idempotency_key"])
    if oid is not None and message.discreet and message.discreet_text:
        message.reveal = make(ctx.secret, ButtonAction.SHOW, oid)
        ctx.s.execute(update(OutboxMessage).where(OutboxMessage.id == oid).values(payload=message.to_payload()))
    return oid


def enqueue_many(ctx: Ctx, messages: Sequence[tuple[int, OutboundMessage, str]], about: Link, *,
                 family_id: int | None, priority: int) -> None:
    """Record several (identity id, message, key) at once, in one statement. For messages that are never
    shown discreetly (staff alerts and their updates): no reveal button is signed."""
    rows: dict[str, dict[str, Any]] = {}
    for identity_id, message, key in messages:  # the same key twice: the first one counts
        rows.setdefault(key[:160], _row(ctx, identity_id, message, key, about, family_id, priority, ctx.now))
    if not rows:
        return
    table: Any = OutboxMessage.__table__
    ins: Any = postgresql.insert(table) if ctx.s.get_bind().dialect.name == "postgresql" else sqlite.insert(table)
    ctx.s.execute(ins.on_conflict_do_nothing(index_elements=["idempotency_key"]), list(rows.values()))


def _on_conflict_nothing(table: Any, dialect: str) -> Any:
    ins: Any = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    return ins.on_conflict_do_nothing(index_elements=["idempotency_key"])


_BATCH = BulkInsert(OutboxMessage.__table__, ["idempotency_key", "identity_id", "family_id", "kind", "checkin_id",  # type: ignore[arg-type]
                                              "escalation_id", "escalation_step", "meeting_id", "priority", "payload",
                                              "state", "attempts", "next_attempt_at", "created_at"],
                    _on_conflict_nothing)


@dataclass
class Queued:
    """One message for `enqueue_batch`: to which chat, under which key, what for."""

    identity_id: int
    message: OutboundMessage
    key: str
    about: Link
    family_id: int | None
    priority: int = Priority.NORMAL
    # Messages given the same shape differ only in their text and their buttons' data: their payloads are
    # filled into one template (bot.services.payloads). None: encoded on its own.
    shape: Hashable | None = None


def _payload(q: Queued, templates: dict[Hashable, payloads.Template]) -> Any:
    if q.shape is None:
        return None
    template = templates.get(q.shape) or templates.setdefault(q.shape, payloads.Template(q.message))
    return template.fill(q.message)


def enqueue_batch(ctx: Ctx, items: Sequence[Queued]) -> dict[str, int]:
    """Record many messages (due now) in one statement, each once per key (the same key twice: the first
    counts); discreet ones get their reveal button in one more. Returns {key: outbox id} of the rows created
    when some message is discreet (the ids are read back to sign their buttons), else {}."""
    rows: dict[str, dict[str, Any]] = {}
    templates: dict[Hashable, payloads.Template] = {}
    for q in items:
        if q.key[:160] not in rows:
            rows[q.key[:160]] = _row(ctx, q.identity_id, q.message, q.key, q.about, q.family_id, q.priority,
                                     ctx.now, _payload(q, templates))
    if not rows:
        return {}
    table: Any = OutboxMessage.__table__
    if not any(q.message.discreet and q.message.discreet_text for q in items):  # no reveal button to sign
        _BATCH.execute(ctx.s.connection(), list(rows.values()), {"next_attempt_at": ctx.now, "created_at": ctx.now})
        return {}
    ins: Any = postgresql.insert(table) if ctx.s.get_bind().dialect.name == "postgresql" else sqlite.insert(table)
    stmt = ins.on_conflict_do_nothing(index_elements=["idempotency_key"])
    stmt = stmt.returning(table.c.id, table.c.idempotency_key)
    created = {key: oid for oid, key in ctx.s.execute(stmt, list(rows.values()))}
    revealed = []
    for q in items:
        oid = created.get(q.key[:160])
        if oid is not None and q.message.discreet and q.message.discreet_text:
            q.message.reveal = make(ctx.secret, ButtonAction.SHOW, oid)
            revealed.append({"oid": oid, "body": q.message.to_payload()})
    if revealed:
        ctx.s.execute(update(table).where(table.c.id == bindparam("oid")).values(payload=bindparam("body")),
                      revealed)
    return created


def to_person(ctx: Ctx, person_id: int, family: Family | None, render: Render, *, key: str,
              purpose: OutboxPurpose = OutboxPurpose.REPLY, urgent: bool = False,
              prepare: Callable[[OutboundMessage, int], None] | None = None, checkin_id: int | None = None,
              escalation_id: int | None = None, escalation_step: int | None = None, meeting_id: int | None = None,
              ) -> dict[int, int]:
    """Queue a message for a person. Urgent ones go to every identity they have and are never held;
    routine ones go to their newest identity, and wait out quiet hours and a pause when their purpose says so
    (OutboxPurpose.waits_out_quiet_hours: scheduled prompts, never replies to what the person just did).

    Returns {identity id: outbox id} for rows created now.
    """
    about = link(purpose, checkin_id, escalation_id, escalation_step, meeting_id)
    person = ctx.s.get(Person, person_id)
    if person is None:
        return {}
    identities = reachable_identities(ctx, person_id)
    if not identities:
        return {}
    targets = identities if urgent else identities[:1]
    tr = translator(person_language(person, family))
    not_before = ctx.now
    if about.purpose.waits_out_quiet_hours and not urgent:
        not_before = quiet_until(ctx.now, person_timezone(person, family), person.quiet_start,
                                 person.quiet_end) or ctx.now
        if person.paused_until and person.paused_until > not_before:
            not_before = person.paused_until
    created: dict[int, int] = {}
    for identity in targets:
        message = render(tr)
        if family is not None and about.purpose in MEMBER_FACING and not protected.guard(
                ctx, family.id, [message.text, message.discreet_text or ""]):
            return created  # refused and logged: a protected term must never reach a member
        dress(message, person, tr)
        if prepare:
            prepare(message, identity.id)
        oid = enqueue(ctx, identity.id, message, key=f"{key}@{identity.id}", purpose=about.purpose,
                      checkin_id=about.checkin_id, escalation_id=about.escalation_id,
                      escalation_step=about.escalation_step, meeting_id=about.meeting_id,
                      family_id=family.id if family else None,
                      priority=Priority.URGENT if urgent else Priority.NORMAL, not_before=not_before)
        if oid is not None:
            created[identity.id] = oid
    return created


def dress(message: OutboundMessage, person: Person | None, tr: Translator, *, discreet: bool = False) -> None:
    """For a member on a shared phone (discreet, or `discreet` for a chat not linked yet: a discreet invite's
    consent request), every message shows only a neutral line until tapped: its own, else a generic one."""
    if not message.neutral and (discreet or (person is not None and person.discreet)):
        message.discreet_text = message.discreet_text or discreet_generic(tr)
        message.discreet, message.reveal_label, message.hide_label = True, reveal_label(tr), hide_label(tr)


def to_identity(ctx: Ctx, identity: ChatIdentity, render: Render, *, key: str,
                purpose: OutboxPurpose = OutboxPurpose.REPLY, family: Family | None = None, urgent: bool = False,
                checkin_id: int | None = None, escalation_id: int | None = None, meeting_id: int | None = None,
                language: str | None = None, discreet: bool = False) -> int | None:
    """A direct reply to the chat that just wrote to us (linked to a member or not), never held. In `language`
    if given (the invite's), else the person's, else the chat's own (if we speak it), else the family's.
    `discreet`: shown discreetly even to a chat not linked to a discreet person (a discreet invite's consent)."""
    person = ctx.s.get(Person, identity.person_id) if identity.person_id else None
    language = (language or (person.language if person else None) or supported(identity.language)
                or (family.language if family else None))
    tr = translator(language or ctx.settings.default_language)
    message = render(tr)
    dress(message, person, tr, discreet=discreet)
    return enqueue(ctx, identity.id, message, key=f"{key}@{identity.id}", purpose=purpose,
                   checkin_id=checkin_id, escalation_id=escalation_id, meeting_id=meeting_id,
                   family_id=family.id if family else None,
                   priority=Priority.URGENT if urgent else Priority.NORMAL)
