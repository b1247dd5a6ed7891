"""Which outbox rows the dispatcher may take now, and taking them: due rows, most urgent first, never a row
whose chat still has an earlier message of the same or greater urgency on its way (being sent, due, or
waiting for a retry): per-chat order holds across retries, claims by other instances and restarts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Exists, Integer, bindparam, exists, or_, select, update
from sqlalchemy.orm import Session, aliased

from bot import metrics
from bot.domain.vocabulary import OutboxState
from bot.services import deliveries
from bot.services.context import Ctx
from messages.outbound import OutboundMessage
from storage.models import ChatIdentity, OutboxMessage

CLAIM_FOR = timedelta(minutes=2)
NEAR = timedelta(minutes=1)  # an earlier row due within this (a chat's pacing put it there) keeps its place


@dataclass
class Job:
    id: int
    identity_id: int
    platform: str
    external_id: str
    message: OutboundMessage
    edit_ref: str | None
    thread_ref: str | None
    attempts: int
    claimed_until: datetime
    priority: int = 0
    purpose: str = ""
    hold: bool = False  # set when this chat's later messages must wait for this one (a retry, pacing)

    @property
    def chat(self) -> tuple[str, str]:
        return self.platform, self.external_id


def _free(row: type[OutboxMessage], now: ColumnElement[datetime]) -> ColumnElement[bool]:
    return or_(row.state == OutboxState.PENDING, (row.state == OutboxState.SENDING) & (row.claimed_until < now))


def _waits_for_earlier(now: ColumnElement[datetime], near: ColumnElement[datetime]) -> Exists:
    """An earlier row to the same chat, as urgent or more, still on its way: sending, due (or nearly: paced),
    or waiting for a retry. A row held to a later hour (quiet hours) does not hold later ones back."""
    earlier = aliased(OutboxMessage)
    return exists().where(
        earlier.identity_id == OutboxMessage.identity_id, earlier.id < OutboxMessage.id,
        earlier.priority <= OutboxMessage.priority,
        or_(earlier.state == OutboxState.SENDING,
            (earlier.state == OutboxState.PENDING) & or_(earlier.next_attempt_at <= near, earlier.attempts > 0)))


_NOW = bindparam("now", type_=OutboxMessage.__table__.c.next_attempt_at.type)
_NEAR = bindparam("near", type_=OutboxMessage.__table__.c.next_attempt_at.type)
# Built once (the statement's construction cost more than running it): the due rows a turn may take.
_DUE = (select(OutboxMessage, ChatIdentity).join(ChatIdentity, ChatIdentity.id == OutboxMessage.identity_id)
        .where(ChatIdentity.platform.in_(bindparam("platforms", expanding=True)), OutboxMessage.next_attempt_at <= _NOW,
               _free(OutboxMessage, _NOW), ~_waits_for_earlier(_NOW, _NEAR))
        .order_by(OutboxMessage.priority, OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(bindparam("limit", type_=Integer)))


def claim_due(s: Session, now: datetime, platforms: list[str], limit: int,
              ctx: Callable[[Session], Ctx]) -> list[Job]:
    """Claim up to `limit` due rows on these platforms, most urgent first; the jobs to send."""
    if not platforms or limit <= 0:
        return []
    rows = s.execute(_DUE, {"now": now, "near": now + NEAR, "platforms": platforms, "limit": limit}).all()
    won = _claim_rows(s, [row.id for row, _identity in rows], now)
    jobs = []
    for row, identity in rows:
        if row.id not in won:
            continue  # another instance has it
        message = OutboundMessage.from_payload(row.payload)
        edit_ref = thread_ref = None
        if message.edit_of or message.thread_of:
            parent = s.get(OutboxMessage, message.edit_of or message.thread_of)
            if parent is not None and parent.state in (OutboxState.PENDING, OutboxState.SENDING):
                # The message to edit or thread under is not out yet (maybe held): try after it.
                s.execute(update(OutboxMessage).where(OutboxMessage.id == row.id).values(
                    state=OutboxState.PENDING, claimed_until=None,
                    next_attempt_at=max(now + timedelta(seconds=2), parent.next_attempt_at)))
                continue
            ref = parent.external_ref if parent is not None and parent.state == OutboxState.SENT else None
            if message.edit_of:
                edit_ref = ref
            else:
                thread_ref = ref
        if identity.blocked_at is not None:  # the same consequences as a send refused as blocked
            deliveries.to_blocked_chat(ctx(s), row.id)
            metrics.sent(identity.platform, "blocked")
            continue
        jobs.append(Job(row.id, identity.id, identity.platform, identity.external_id, message, edit_ref,
                        thread_ref, row.attempts, now + CLAIM_FOR, row.priority, row.kind))
    return jobs


def _claim_rows(s: Session, ids: list[int], now: datetime) -> set[int]:
    """Claim the rows still due and free among `ids` in one statement; the ids this instance won (a row
    another instance claimed, sent or put back for a retry in between is not among them)."""
    if not ids:
        return set()
    return set(s.scalars(_CLAIM, {"ids": ids, "now": now, "until": now + CLAIM_FOR},
                         execution_options={"synchronize_session": False}))


_CLAIM = (update(OutboxMessage).where(OutboxMessage.id.in_(bindparam("ids", expanding=True)),
                                      OutboxMessage.next_attempt_at <= _NOW, _free(OutboxMessage, _NOW))
          .values(state=OutboxState.SENDING, claimed_until=bindparam("until", type_=_NOW.type))
          .returning(OutboxMessage.id))


def put_back(s: Session, ids: list[int], until: datetime | None = None) -> None:
    """Claimed rows not tried after all (their chat's earlier message must go first, or pacing): pending again,
    no attempt counted, at `until` if given."""
    if not ids:
        return
    values: dict[str, object] = {"state": OutboxState.PENDING, "claimed_until": None}
    if until is not None:
        values["next_attempt_at"] = until
    s.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids), OutboxMessage.state == OutboxState.SENDING)
              .values(**values), execution_options={"synchronize_session": False})
