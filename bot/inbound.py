"""Inbound events from any platform, turned into use cases. Authorisation happens in the services;
this layer finds who is speaking, deduplicates redeliveries, and answers refusals plainly."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from datetime import UTC, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from bot import buttons
from bot.clock import Clock
from bot.domain.durations import parse_duration_minutes
from bot.domain.schedule import parse_hhmm
from bot.ports import Inbound
from bot.services import audit, checkins, escalations, invites, meetings, membership, notify, plans
from bot.services.context import Actor, Ctx
from bot.services.errors import InvalidInput, NotFound, Refused, ServiceError
from bot.services.families import check_timezone, require_staff
from bot.services.people import known_identity
from bot.settings import Settings
from messages import render
from messages.catalog import SUPPORTED_LANGUAGES
from messages.outbound import OutboundMessage
from storage.db import Database
from storage.models import (
    ChatIdentity,
    Checkin,
    Commitment,
    Family,
    InboundReceipt,
    KeyValue,
    Membership,
    OutboxMessage,
    Person,
)
from storage.upsert import insert_ignore

log = logging.getLogger(__name__)

WORDS = {
    "done": ["done", "yes", "y", "ok", "okay", "did it", "sí", "si", "hecho", "listo", "✅"],
    "not_done": ["not done", "no", "n", "didn't", "did not", "no hecho", "no lo hice", "❌"],
    "worried": ["worried", "worry", "help", "preocupado", "preocupada", "me preocupa", "ayuda", "⚠️"],
}
# Longest first, so "not done" / "no hecho" win over "no" and "done" / "hecho".
_WORDS = sorted(((w, a) for a, words in WORDS.items() for w in words), key=lambda item: -len(item[0]))


def parse_answer(text: str) -> tuple[str | None, str | None]:
    """("worried", "the note") from free text, or (None, None) if it is not an answer."""
    clean = text.strip()
    lowered = clean.lower()
    for word, answer in _WORDS:
        if lowered == word or re.match(rf"^{re.escape(word)}(?:\b|(?<=\W))[\s,.:;!-]+", lowered):
            rest = clean[len(word):].lstrip(" ,.:;!-").strip() or None
            return answer, rest
    return None, None


class Router:
    def __init__(self, db: Database, clock: Clock, settings: Settings, secret: bytes,
                 on_outbox: Callable[[], None] | None = None) -> None:
        self.db, self.clock, self.settings, self.secret = db, clock, settings, secret
        self.on_outbox = on_outbox

    retry_delays: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0)

    async def handle(self, event: Inbound) -> None:
        """Handle one event. A database that is briefly unavailable (locked, failing over) is retried here,
        whatever the platform: the platform may already consider the event delivered."""
        for delay in self.retry_delays:
            try:
                await self.db.run(lambda s: self.handle_in(s, event))
                break
            except OperationalError:
                log.warning("inbound %s:%s: database unavailable, retrying in %ss", event.platform,
                            event.event_id, delay, exc_info=True)
                await asyncio.sleep(delay)
        else:
            await self.db.run(lambda s: self.handle_in(s, event))
        if self.on_outbox:
            self.on_outbox()

    def handle_in(self, s: Session, event: Inbound) -> None:
        """Handle one event in its own transaction; a refusal is audited and answered in a fresh one."""
        ctx = Ctx(s, self.clock.now(), self.settings, self.secret)
        if event.event_id and insert_ignore(s, InboundReceipt.__table__, {  # type: ignore[arg-type]
                "platform": event.platform, "event_id": event.event_id, "received_at": ctx.now},
                ["platform", "event_id"]) is None:
            return  # a redelivery: already handled
        try:
            with s.begin_nested():
                self._dispatch(ctx, event)
        except ServiceError as exc:
            ctx = Ctx(s, self.clock.now(), self.settings, self.secret)
            identity = known_identity(ctx, event.platform, event.external_id, event.language)
            actor = self._actor(identity)
            if isinstance(exc, Refused):
                audit.record(ctx, actor, exc.subject or "refused", family_id=exc.family_id, outcome="refused",
                             detail=exc.reason)
                reply = render.refused
            elif isinstance(exc, NotFound | InvalidInput):
                reply = render.no_open_checkin if exc.reason in ("not_open", "no_checkin") else render.refused
            else:
                raise
            notify.to_identity(ctx, identity, reply, key=f"refused:{event.event_id or ctx.now.timestamp()}")

    @staticmethod
    def _actor(identity: ChatIdentity) -> Actor:
        if identity.person_id is None:
            return Actor(f"{identity.platform}:{identity.external_id}"[:64], None, identity.id)
        return Actor(f"person:{identity.person_id}", identity.person_id, identity.id)

    def _dispatch(self, ctx: Ctx, event: Inbound) -> None:
        identity = known_identity(ctx, event.platform, event.external_id, event.language)
        if identity.blocked_at is not None:  # they wrote to us, so we can reach them again
            identity.blocked_at = None
            audit.record(ctx, self._actor(identity), "identity.unblocked", subject=f"identity:{identity.id}")
        key = f"in:{event.platform}:{event.event_id or ctx.now.timestamp()}"
        if not event.private:
            notify.to_identity(ctx, identity, render.private_only, key=key)
            return
        actor = self._actor(identity)
        if event.kind == "command" and event.command == "start":
            self._start(ctx, identity, event.args.strip(), key)
        elif event.kind == "button":
            self._button(ctx, identity, actor, event, key)
        elif actor.person_id is None:
            notify.to_identity(ctx, identity, render.start_without_code, key=key)
        elif event.kind == "command":
            self._command(ctx, identity, actor, event.command, event.args.strip(), key)
        else:
            self._text(ctx, identity, actor, event.text, key)

    # --- joining ---------------------------------------------------------------------------------

    def _start(self, ctx: Ctx, identity: ChatIdentity, code: str, key: str) -> None:
        if not code:
            notify.to_identity(ctx, identity, render.start_without_code, key=key)
            return
        check = invites.check_invite(ctx, code, identity.platform, identity.external_id)
        if check.problem or check.invite is None or check.family is None:
            problem = check.problem or "unknown"
            notify.to_identity(ctx, identity, lambda tr: render.invite_problem(tr, problem), key=key)
            return
        alias = check.family.alias
        agree = buttons.sign(ctx.secret, "cs", check.invite.id, "y")
        decline = buttons.sign(ctx.secret, "cs", check.invite.id, "n")
        notify.to_identity(ctx, identity, lambda tr: render.consent_request(tr, alias, agree, decline),
                           key=key, family=check.family)

    # --- buttons ---------------------------------------------------------------------------------

    def _button(self, ctx: Ctx, identity: ChatIdentity, actor: Actor, event: Inbound, key: str) -> None:
        data = buttons.verify(ctx.secret, event.data)
        if data is None:
            raise Refused("bad_button", "this button is not valid", subject="button.forged")
        action, args = data.action, data.args
        if action == "cs":
            self._consent(ctx, identity, int(args[0]), args[1] == "y", event.display_name, key)
            return
        if actor.person_id is None:
            raise Refused("unknown_chat", "this chat is not linked to a member", subject=f"button.{action}")
        if action == "ci":
            checkins.answer_checkin(ctx, actor, int(args[0]), args[1])
        elif action == "cn":
            checkin, *_ = checkins.own_checkin(ctx, actor, int(args[0]))
            self._await(ctx, identity, f"note:{checkin.id}")
            notify.to_identity(ctx, identity, render.note_prompt, key=key)
        elif action == "mt":
            meetings.reply_meeting(ctx, actor, int(args[0]), args[1])
            notify.to_identity(ctx, identity, lambda tr: render.meeting_reply_recorded(tr, args[1]), key=key)
        elif action == "ea":
            done = escalations.acknowledge(ctx, actor, int(args[0]))
            notify.to_identity(ctx, identity, lambda tr: render.staff_ack_done(tr, "acknowledged" if done else "x"),
                               key=key, urgent=True)
        elif action == "er":
            require_staff(ctx, actor, escalations.get_escalation(ctx, int(args[0])).family_id, "escalation.resolve")
            self._await(ctx, identity, f"resolve:{args[0]}")
            notify.to_identity(ctx, identity, render.resolve_note_prompt, key=key, urgent=True)
        elif action == "sh":
            self._reveal(ctx, identity, int(args[0]))
        elif action == "lg" and args[0] in SUPPORTED_LANGUAGES:
            person = ctx.s.get_one(Person, actor.person_id)
            person.language = args[0]
            audit.record(ctx, actor, "person.language", subject=f"person:{person.id}", detail=args[0])
            notify.to_identity(ctx, identity, render.language_set, key=key)
        else:
            raise Refused("bad_button", "unknown button", subject="button.unknown")

    def _reveal(self, ctx: Ctx, identity: ChatIdentity, outbox_id: int) -> None:
        """A discreet member tapped Show: the same message, in place, with its details."""
        row = ctx.s.get(OutboxMessage, outbox_id)
        if row is None or row.identity_id != identity.id:
            raise Refused("not_yours", "not your message", subject="message.reveal")
        message = OutboundMessage.from_payload(row.payload)
        message.discreet, message.edit_of = False, row.id
        notify.enqueue(ctx, identity.id, message, key=f"reveal:{row.id}@{identity.id}", kind="reply",
                       family_id=row.family_id, priority=row.priority)

    def _consent(self, ctx: Ctx, identity: ChatIdentity, invite_id: int, agreed: bool, name: str | None,
                 key: str) -> None:
        if not agreed:
            invites.decline_invite(ctx, invite_id, identity.platform, identity.external_id)
            notify.to_identity(ctx, identity, render.declined, key=key)
            return
        result = invites.accept_invite(ctx, invite_id, identity.platform, identity.external_id, name)
        if result.problem:
            problem = result.problem
            notify.to_identity(ctx, identity, lambda tr: render.invite_problem(tr, problem), key=key)

    # --- waiting for a typed note ------------------------------------------------------------------

    def _await(self, ctx: Ctx, identity: ChatIdentity, what: str) -> None:
        k = f"await:{identity.id}"
        row = ctx.s.get(KeyValue, k)
        value = f"{ctx.now.isoformat()}|{what}"
        if row is None:
            ctx.s.add(KeyValue(key=k, value=value))
        else:
            row.value = value

    def _awaited(self, ctx: Ctx, identity: ChatIdentity) -> str | None:
        from datetime import datetime

        row = ctx.s.get(KeyValue, f"await:{identity.id}")
        if row is None:
            return None
        ctx.s.execute(delete(KeyValue).where(KeyValue.key == row.key))
        at, _, what = row.value.partition("|")
        if datetime.fromisoformat(at) < ctx.now - timedelta(hours=1):
            return None
        return what

    # --- text and commands -----------------------------------------------------------------------

    def _text(self, ctx: Ctx, identity: ChatIdentity, actor: Actor, text: str, key: str) -> None:
        if not text.strip():
            notify.to_identity(ctx, identity, render.typed_only, key=key)
            return
        waiting = self._awaited(ctx, identity)
        if waiting and waiting.startswith("note:"):
            checkins.add_note(ctx, actor, int(waiting.split(":")[1]), text)
            return
        if waiting and waiting.startswith("resolve:"):
            done = escalations.resolve(ctx, actor, int(waiting.split(":")[1]), text)
            notify.to_identity(ctx, identity, lambda tr: render.staff_ack_done(tr, "resolved" if done else "x"),
                               key=key, urgent=True)
            return
        answer, note = parse_answer(text)
        assert actor.person_id is not None
        if answer is None:
            recent = checkins.just_answered_by(ctx, actor.person_id)
            if recent is not None:
                checkins.add_note(ctx, actor, recent.id, text)
                return
            notify.to_identity(ctx, identity, render.not_understood, key=key)
            return
        # The open check-in, or the one they answered a moment ago (a follow-up "worried: ..." belongs to it).
        checkin = checkins.open_checkin_for(ctx, actor.person_id) or checkins.just_answered_by(ctx, actor.person_id)
        if checkin is None and answer == "worried":
            # A worry never waits for a check-in: it reaches the family's team now.
            raised = escalations.raise_worry(ctx, actor, note)
            family = ctx.s.get(Family, raised[0].family_id) if raised else None
            emergency = family.emergency_number if family else "999"
            notify.to_identity(ctx, identity, partial(render.worried_reply, emergency=emergency), key=key,
                               urgent=True)
            return
        if checkin is None:
            notify.to_identity(ctx, identity, render.no_open_checkin, key=key)
            return
        checkins.answer_checkin(ctx, actor, checkin.id, answer, note)

    def _command(self, ctx: Ctx, identity: ChatIdentity, actor: Actor, command: str, args: str, key: str) -> None:
        assert actor.person_id is not None
        person = ctx.s.get_one(Person, actor.person_id)
        if command == "mine":
            self._mine(ctx, identity, person, key)
        elif command == "next":
            found = meetings.next_meeting_for(ctx, person.id)
            if found is None:
                notify.to_identity(ctx, identity, lambda tr: render.next_meeting(tr, None, None, None), key=key)
            else:
                m, fam = found
                tz = notify.person_timezone(person, fam)
                notify.to_identity(ctx, identity, lambda tr: render.next_meeting(
                    tr, m.kind, tr.when(m.starts_at, tz), m.place), key=key)
        elif command == "stop":
            membership.leave(ctx, actor)
        elif command == "language":
            if args in SUPPORTED_LANGUAGES:
                person.language = args
                audit.record(ctx, actor, "person.language", subject=f"person:{person.id}", detail=args)
                notify.to_identity(ctx, identity, render.language_set, key=key)
            else:
                data = {lang: buttons.sign(ctx.secret, "lg", lang) for lang in SUPPORTED_LANGUAGES}
                notify.to_identity(ctx, identity, lambda tr: render.language_choice(tr, data), key=key)
        elif command == "quiet":
            start, _, end = args.replace(" ", "").partition("-")
            try:
                parse_hhmm(start), parse_hhmm(end)
            except ValueError:
                notify.to_identity(ctx, identity, render.quiet_help, key=key)
                return
            person.quiet_start, person.quiet_end = start, end
            audit.record(ctx, actor, "person.quiet_hours", subject=f"person:{person.id}", detail=f"{start}-{end}")
            notify.to_identity(ctx, identity, partial(render.quiet_set, start=start, end=end), key=key)
        elif command == "timezone":
            try:
                person.timezone = check_timezone(args.strip())
            except InvalidInput:
                notify.to_identity(ctx, identity, render.timezone_help, key=key)
                return
            audit.record(ctx, actor, "person.timezone", subject=f"person:{person.id}", detail=person.timezone)
            notify.to_identity(ctx, identity, partial(render.timezone_set, zone=person.timezone), key=key)
        elif command == "discreet":
            person.discreet = args.lower() not in ("off", "no", "0")
            audit.record(ctx, actor, "person.discreet", subject=f"person:{person.id}", detail=str(person.discreet))
            notify.to_identity(ctx, identity, partial(render.discreet_set, on=person.discreet), key=key)
        elif command == "pause":
            try:
                minutes = parse_duration_minutes(args or "1d")
            except ValueError:
                minutes = 24 * 60
            person.paused_until = ctx.now + timedelta(minutes=min(minutes, 14 * 24 * 60))
            audit.record(ctx, actor, "person.pause", subject=f"person:{person.id}")
            until = person.paused_until
            notify.to_identity(ctx, identity, lambda tr: render.paused(
                tr, tr.when(until, notify.person_timezone(person, None))), key=key)
        else:
            notify.to_identity(ctx, identity, render.help_text, key=key)

    def _mine(self, ctx: Ctx, identity: ChatIdentity, person: Person, key: str) -> None:
        for m in ctx.s.scalars(select(Membership).where(Membership.person_id == person.id,
                                                        Membership.state == "active")):
            family = ctx.s.get_one(Family, m.family_id)
            plans.send_commitments(ctx, m, family, changed=False, key=f"{key}:mine:{m.id}")
        first = ctx.s.scalar(select(Family).join(Membership, Membership.family_id == Family.id)
                             .where(Membership.person_id == person.id).limit(1))
        tz = notify.person_timezone(person, first)
        local = ctx.now.astimezone(ZoneInfo(tz))
        start = local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)
        items = [(c.due_at, q, c.state) for c, q in ctx.s.execute(
            select(Checkin, Commitment.question).join(Commitment, Commitment.id == Checkin.commitment_id)
            .join(Membership, Membership.id == Commitment.owner_membership_id)
            .where(Membership.person_id == person.id, Checkin.due_at >= start,
                   Checkin.due_at < start + timedelta(days=1)).order_by(Checkin.due_at))]
        notify.to_identity(ctx, identity, lambda tr: render.today_checkins(
            tr, [(tr.time(d, tz), q, st) for d, q, st in items]), key=f"{key}:today")
