"""Events that arrive together are handled together: one transaction for what is queued, a savepoint each.

The router queues every event; one drainer takes whatever has queued up (at most MAX_BATCH) and handles it in
one transaction, so a burst of webhooks costs one commit, not one per event, and on SQLite no event waits for
another's commit. Each event still stands alone: its own savepoint, its own receipt, its own result; an event
that fails is rolled back to its savepoint and reported to its own caller (the platform gets an error and
delivers it again), the others commit. Nothing waits to fill a batch: an event that arrives alone is handled at
once, a batch is whatever came in while the previous one was being written.

The common press, "Done" on one's own open check-in, is answered set-based for the whole batch
(bot/services/checkin_answers.py); everything else goes through the router one by one, in arrival order. A
chat with more than one event in a batch is handled one by one too, so its events keep their order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlalchemy import String, bindparam, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import InterfaceError, OperationalError

from bot.conversation import buttons
from bot.domain.vocabulary import Answer
from bot.ports import Inbound, InboundKind
from bot.services import checkin_answers
from bot.services.context import Ctx
from storage.models import ChatIdentity, InboundReceipt
from storage.types import UTCDateTime

MAX_BATCH = 64
UNAVAILABLE = (OperationalError, InterfaceError)  # the database, not the event: the whole batch is retried

Result = str | BaseException


def _candidates(ctx: Ctx, events: Sequence[Inbound]) -> dict[int, int]:
    """{batch index: check-in id} of the presses that may be a plain "Done": a private button press with an
    event id, a button we signed, the only event of its chat in this batch."""
    chats = Counter((e.platform, e.external_id) for e in events)
    out = {}
    for i, e in enumerate(events):
        if e.kind != InboundKind.BUTTON or not e.private or not e.event_id or chats[(e.platform, e.external_id)] > 1:
            continue
        pressed = buttons.read(ctx.secret, e.data)
        if pressed is not None and pressed.action == buttons.ButtonAction.CHECKIN \
                and pressed.word(1) == Answer.DONE.value:
            out[i] = pressed.number(0)
    return out


_IDENTITY: Any = ChatIdentity.__table__  # Core: an executemany of an ORM update would be a by-primary-key bulk
_LANGUAGE = (update(_IDENTITY).where(_IDENTITY.c.id == bindparam("iid"),
                                    or_(_IDENTITY.c.language.is_(None), _IDENTITY.c.language == ""))
             .values(language=bindparam("lang")))


def _taken(ctx: Ctx, events: Sequence[Inbound], candidates: dict[int, int]) -> dict[int, checkin_answers.DonePress]:
    """The candidates this path answers, by batch index (a chat blocked until now, or not a member's, or
    someone else's check-in, is the router's). A chat's language, if we had none, is remembered (as the router
    does)."""
    out = {}
    for platform in {events[i].platform for i in candidates}:
        mine = {events[i].external_id: i for i in candidates if events[i].platform == platform}
        for chat, press in checkin_answers.takeable(ctx, platform, {c: candidates[i] for c, i in mine.items()}).items():
            out[mine[chat]] = press
    languages = [{"iid": p.identity_id, "lang": events[i].language} for i, p in out.items()
                 if events[i].language and not p.chat_language]
    if languages:
        ctx.s.execute(_LANGUAGE, languages, execution_options={"synchronize_session": False})
    return out


_RECEIPTS: Any = InboundReceipt.__table__
# On PostgreSQL the ids as one array: the same statement text for any number, prepared once by the server.
_CLAIM_POSTGRESQL = (postgresql.insert(_RECEIPTS).from_select(
    ["platform", "event_id", "received_at"],
    select(bindparam("platform", type_=String), func.unnest(bindparam("ids", type_=postgresql.ARRAY(String))),
           bindparam("now", type_=UTCDateTime())))
    .on_conflict_do_nothing(index_elements=["platform", "event_id"]).returning(_RECEIPTS.c.event_id))


def _claim_receipts(ctx: Ctx, platform: str, event_ids: list[str]) -> set[str]:
    """Claim many receipts of one platform at once: the event ids seen for the first time."""
    ids = [e[:128] for e in event_ids]
    if ctx.s.get_bind().dialect.name == "postgresql":
        return set(ctx.s.scalars(_CLAIM_POSTGRESQL, {"platform": platform[:16], "ids": ids, "now": ctx.now}))
    stmt = sqlite.insert(_RECEIPTS).values([{"platform": platform[:16], "event_id": e, "received_at": ctx.now}
                                            for e in ids])
    return set(ctx.s.scalars(stmt.on_conflict_do_nothing(index_elements=["platform", "event_id"])
                             .returning(_RECEIPTS.c.event_id)))


def answer_done(ctx: Ctx, events: Sequence[Inbound]) -> dict[int, str]:
    """Answer the batch's plain "Done" presses set-based, in one savepoint. Returns {index: "handled" or
    "duplicate"} for the events taken; the others are the router's. If another transaction answered one of
    the check-ins meanwhile, nothing is kept and all are left to the router (as they are if this raises)."""
    candidates = _candidates(ctx, events)
    if not candidates:
        return {}
    results: dict[int, str] = {}
    try:
        with ctx.s.begin_nested():
            chosen = _taken(ctx, events, candidates)
            fresh: list[checkin_answers.DonePress] = []
            for platform in {events[i].platform for i in chosen}:
                mine = {i: p for i, p in chosen.items() if events[i].platform == platform}
                new = _claim_receipts(ctx, platform, [events[i].event_id or "" for i in mine])
                for i, p in mine.items():
                    results[i] = "handled" if (events[i].event_id or "")[:128] in new else "duplicate"
                    fresh += [p] if results[i] == "handled" else []
            checkin_answers.record_done(ctx, fresh)
    except checkin_answers.Raced:
        return {}
    return results
