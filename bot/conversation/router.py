"""The one inbound door for what people say and press, on every platform (Telegram, Slack, console).

It deduplicates redeliveries by the platform's event id (an InboundReceipt row, claimed in the event's own
transaction: Telegram update ids, Slack event / trigger ids, console line numbers alike), finds who is
speaking, hands the event to the command table, the button registry or the typed-text reader, and
answers (and audits) refusals plainly. Authorisation itself happens in the services."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime
from functools import partial

from sqlalchemy.orm import Session

from bot import metrics
from bot.clock import Clock
from bot.conversation import batch, buttons, commands, presses, relay
from bot.ports import Inbound, InboundKind
from bot.services import audit, notify, reachability
from bot.services.context import Actor, Ctx
from bot.services.errors import InvalidInput, NotFound, Refused, ServiceError
from bot.services.people import known_identity
from bot.settings import Settings
from messages import forms as staff_texts
from messages import render
from messages.catalog import Translator
from messages.outbound import OutboundMessage
from storage.db import Database, begin_now
from storage.models import ChatIdentity, InboundReceipt
from storage.upsert import insert_ignore

log = logging.getLogger(__name__)

_missing = set(buttons.ButtonAction) - set(buttons.HANDLERS)
assert not _missing and presses.ANYONE, f"buttons without a handler: {_missing}"


def claim_receipt(ctx: Ctx, platform: str, event_id: str | None) -> bool:
    """True the first time this platform's event id is seen (always True without an id)."""
    if not event_id:
        return True
    return insert_ignore(ctx.s, InboundReceipt.__table__, {  # type: ignore[arg-type]
        "platform": platform[:16], "event_id": event_id[:128], "received_at": ctx.now},
        ["platform", "event_id"]) is not None


def actor_for(identity: ChatIdentity) -> Actor:
    if identity.person_id is None:
        return Actor(f"{identity.platform}:{identity.external_id}"[:64], None, identity.id)
    return Actor(f"person:{identity.person_id}", identity.person_id, identity.id)


def _tell(waiting: asyncio.Future[batch.Result], result: batch.Result) -> None:
    """Give a waiting caller its result, on its own event loop: a caller queued on a loop that has since
    closed (nobody waits there any more) must not stop the callers after it from hearing theirs."""
    def settle() -> None:
        if not waiting.done():
            waiting.set_result(result)

    loop = waiting.get_loop()
    if loop is asyncio.get_running_loop():
        settle()
    elif not loop.is_closed():
        with contextlib.suppress(RuntimeError):  # closed meanwhile
            loop.call_soon_threadsafe(settle)


class Router:
    def __init__(self, db: Database, clock: Clock, settings: Settings, secret: bytes,
                 on_outbox: Callable[[], None] | None = None) -> None:
        self.db, self.clock, self.settings, self.secret = db, clock, settings, secret
        self.on_outbox = on_outbox
        self._queue: list[tuple[Inbound, asyncio.Future[batch.Result]]] = []
        self._drainer: asyncio.Task[None] | None = None

    retry_delays: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0)

    async def handle(self, event: Inbound) -> None:
        """Handle one event; raises if it could not be handled (the platform should deliver it again).

        Events are queued and handled in batches (bot/conversation/batch.py): this returns once the event's
        batch has committed."""
        loop = asyncio.get_running_loop()
        waiting: asyncio.Future[batch.Result] = loop.create_future()
        self._queue.append((event, waiting))
        if self._drainer is None or self._drainer.done() or self._drainer.get_loop() is not loop:
            self._drainer = loop.create_task(self._drain())  # one at a time: measured faster than two or three
        result = await waiting
        if isinstance(result, BaseException):
            raise result

    async def _drain(self) -> None:
        while self._queue:
            taken, self._queue = self._queue[:batch.MAX_BATCH], self._queue[batch.MAX_BATCH:]
            events = [event for event, _ in taken]
            try:
                results: list[batch.Result] = await self._with_retries(events)
            except BaseException as exc:
                results = [exc] * len(taken)
                if not isinstance(exc, Exception):  # cancelled: tell the waiting, then stop
                    self._settle(taken, results)
                    raise
            self._settle(taken, results)
            if self.on_outbox:
                self.on_outbox()

    @classmethod
    def _settle(cls, taken: list[tuple[Inbound, asyncio.Future[batch.Result]]], results: list[batch.Result]) -> None:
        for (event, waiting), result in zip(taken, results, strict=True):
            cls._settle_one(event, result)
            _tell(waiting, result)

    @staticmethod
    def _settle_one(event: Inbound, result: batch.Result) -> None:
        metrics.inbound(event.platform, event.kind, "failed" if isinstance(result, BaseException) else result)

    async def _with_retries(self, events: list[Inbound]) -> list[batch.Result]:
        """A database that is briefly unavailable (locked, failing over) is retried here, whatever the
        platform: the platform may already consider the events delivered."""
        for delay in self.retry_delays:
            try:
                return await self.db.run(lambda s: self.handle_batch(s, events))
            except batch.UNAVAILABLE:
                log.warning("inbound: database unavailable for %d event(s), retrying in %ss", len(events), delay,
                            exc_info=True)
                await asyncio.sleep(delay)
        return await self.db.run(lambda s: self.handle_batch(s, events))

    async def handle_held(self, event: Inbound, at: datetime) -> None:
        """Handle an event held while the database was unavailable (bot/conversation/holding.py) as of the
        moment it arrived: an answer given in time counts as in time. Raises as `handle` does."""
        (result,) = await self.db.run(lambda s: self.handle_batch(s, [event], now=at))
        self._settle_one(event, result)
        if self.on_outbox:
            self.on_outbox()
        if isinstance(result, BaseException):
            raise result

    def handle_batch(self, s: Session, events: list[Inbound], now: datetime | None = None) -> list[batch.Result]:
        """Handle events in one transaction, each in its own savepoint: the plain "Done" presses together,
        the rest one by one in arrival order. An event that fails is rolled back alone and its result is the
        exception; the database failing fails them all (raised)."""
        begin_now(s)
        try:
            done = batch.answer_done(self.ctx(s, now), events)
        except batch.UNAVAILABLE:
            raise
        except Exception:  # a fault of the shortcut must never lose a press: the router takes them all
            log.exception("inbound: answering %d event(s) together failed; one by one instead", len(events))
            done = {}
        results: list[batch.Result] = []
        for i, event in enumerate(events):
            if i in done:
                results.append(done[i])
                continue
            result: batch.Result
            try:
                with s.begin_nested():  # its release writes what the event left unflushed: it may fail too
                    result = self.handle_in(s, event, now)
            except batch.UNAVAILABLE:
                raise
            except Exception as exc:
                log.exception("inbound %s:%s failed", event.platform, event.event_id)
                result = exc
            results.append(result)
        return results

    def ctx(self, s: Session, now: datetime | None = None) -> Ctx:
        return Ctx(s, now or self.clock.now(), self.settings, self.secret)

    def handle_in(self, s: Session, event: Inbound, now: datetime | None = None) -> str:
        """Handle one event in its own transaction; a refusal is audited and answered in a fresh one.
        Returns what became of it (for bot.metrics): handled, duplicate or refused."""
        ctx = self.ctx(s, now)
        if not claim_receipt(ctx, event.platform, event.event_id):
            log.info("inbound %s:%s already handled (a redelivery)", event.platform, event.event_id)
            return "duplicate"
        log.debug("inbound %s:%s %s", event.platform, event.event_id, event.kind)
        try:
            with s.begin_nested():
                self._dispatch(ctx, event)
        except ServiceError as exc:
            self._refused(self.ctx(s, now), event, exc)
            return "refused"
        return "handled"

    def _refused(self, ctx: Ctx, event: Inbound, exc: ServiceError) -> None:
        reply: Callable[[Translator], OutboundMessage]
        identity = known_identity(ctx, event.platform, event.external_id, event.language)
        if isinstance(exc, Refused):
            audit.record(ctx, actor_for(identity), exc.subject or "refused", family_id=exc.family_id,
                         outcome="refused", detail=exc.reason)
            reason = exc.reason
            reply = partial(staff_texts.refusal, reason=reason)
        elif isinstance(exc, NotFound | InvalidInput):
            reply = render.no_open_checkin if exc.reason in ("not_open", "no_checkin") else render.refused
        else:
            raise exc
        notify.to_identity(ctx, identity, reply, key=f"refused:{event.event_id or ctx.now.timestamp()}")

    def _dispatch(self, ctx: Ctx, event: Inbound) -> None:
        identity = known_identity(ctx, event.platform, event.external_id, event.language)
        if event.kind == InboundKind.BLOCKED:
            reachability.mark_blocked(ctx, identity, certain=True)
            return
        if identity.blocked_at is not None:  # unblocked, or they wrote to us: we can reach them again
            reachability.mark_unblocked(ctx, identity, actor_for(identity))
        if event.kind == InboundKind.UNBLOCKED:
            return
        key = f"in:{event.platform}:{event.event_id or ctx.now.timestamp()}"
        if not event.private:
            notify.to_identity(ctx, identity, render.private_only, key=key)
            return
        actor = actor_for(identity)
        if event.kind == InboundKind.BUTTON:
            self._press(ctx, identity, actor, event, key)
            return
        call = commands.Call(ctx, identity, actor, event.args.strip(), key)
        if event.kind == InboundKind.COMMAND and event.command == "start":
            commands.start(call)
        elif actor.person_id is None:
            notify.to_identity(ctx, identity, render.start_without_code, key=key)
        elif event.kind == InboundKind.COMMAND:
            commands.run(call, event.command)
        else:
            relay.on_text(ctx, identity, actor, event, key)

    @staticmethod
    def _press(ctx: Ctx, identity: ChatIdentity, actor: Actor, event: Inbound, key: str) -> None:
        pressed = buttons.read(ctx.secret, event.data)
        if pressed is None:
            raise Refused("bad_button", "this button is not valid", subject="button.forged")
        press = buttons.Press(ctx, identity, actor, pressed, key, event.display_name)
        if pressed.action not in presses.ANYONE:
            press.member()
        buttons.HANDLERS[pressed.action](press)
