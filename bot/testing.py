"""The scenario kit: a complete FamilyTeam in one process, for practice scenarios and end-to-end tests.

    world = World("sqlite:///scenario.db")
    fid = await world.network(plan=PLAN)      # a family, two members joined, the plan applied
    await world.advance_to(datetime(2026, 11, 30, 19, 0, tzinfo=UTC))  # the engine runs on the way
    await world.press("sue", "Worried")       # out of hours: the duty team is alerted at once
    assert any("needs attention" in t or "Worry" in t for t in world.texts("duty"))
    world.close()

The app is the real one from `bot.bootstrap.build` (engine, dispatcher, conversation router, services,
storage), on SQLite or PostgreSQL, with a hand-moved clock and the console transport standing in for
every chat, members' and staff's alike (chat "gran" is the address console:gran). Nothing sleeps.
The verbs are stable: later changes keep them. See docs/testing.md.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import select

from bot.app import App
from bot.bootstrap import build, console_transport, use_data_keys
from bot.clock import ManualClock
from bot.conversation.staff_intents import Intent, Outcome
from bot.engine.engine import next_delivery
from bot.ports import ChatLine, ChatRecorder, Inbound, InboundKind
from bot.services.context import Actor, Ctx
from bot.services.families import create_family
from bot.services.invites import create_invite
from bot.services.plans import apply_plan
from bot.settings import Settings
from storage.db import Database
from storage.models import AuditEvent, Checkin, Escalation, OutboxMessage

T = TypeVar("T")
MONDAY = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # Monday 30 Nov 2026, 08:00 in London too
OPERATOR = Actor.cli("scenario")
STEP = timedelta(minutes=5)
MAX_PASSES = 10_000  # a jumping advance never needs more passes than stepping by STEP plus this


@dataclass(frozen=True)
class _Snapshot:
    """A network built once in this process: the database file, what every chat received, the event count."""

    path: Path
    chats: object
    events: int
    family_id: int


_SNAPSHOTS: dict[str, _Snapshot] = {}


def _sqlite_path(url: str) -> Path | None:
    prefix = "sqlite:///"
    return Path(url[len(prefix):]) if url.startswith(prefix) and ":memory:" not in url else None


def _copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy through SQLite's online backup (safe with WAL and open connections)."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


_BASE_SETTINGS: dict[str, Settings] = {}


def settings_for(url: str, **extra: Any) -> Settings:
    """Settings for a world: the environment and `.env` as production reads them, plus `extra` (by their
    environment names). Read and validated once per set of extras in this process; each world gets a
    copy with its own database URL."""
    key = repr(sorted(extra.items()))
    if key not in _BASE_SETTINGS:
        _BASE_SETTINGS[key] = Settings(**{"FAMILYTEAM_SECRET": "test-secret", **extra})
    return _BASE_SETTINGS[key].model_copy(update={"database_url": url})


class World:
    """One agency's FamilyTeam with a hand-moved clock; every chat is a console chat."""

    def __init__(self, url: str, start: datetime = MONDAY, **settings: Any) -> None:
        self.url = url
        self.clock = ManualClock(start)
        self.console: ChatRecorder = console_transport()
        # Worlds of one kind share compiled SQL (storage.db.share_compiled_statements): a run of many
        # short worlds compiles each statement once instead of once per world (40% less CPU a world).
        db = Database(url, shared_statements=True)
        self.app: App = build(settings_for(url, **settings), clock=self.clock, db=db, transports=[self.console])
        self._events = 0
        self._touched = False  # nothing done yet: network() may start from a snapshot

    # --- time ------------------------------------------------------------------------------------

    @property
    def now(self) -> datetime:
        return self.clock.now()

    async def tick(self) -> None:
        """One engine pass and one delivery pass at the current time."""
        self._touched = True
        await self.app.tick()

    def next_due(self) -> datetime | None:
        """The earliest moment the engine or the dispatcher could have work (at or before now: work is due)."""
        now, dispatcher = self.clock.now(), self.app.dispatcher
        paused = {p: until for p, until in getattr(dispatcher, "paused_until", {}).items() if until > now}
        moments = [self.app.engine.next_due(now),
                   next_delivery(self.app.db, now, [p for p in dispatcher.transports if p not in paused]),
                   *paused.values()]
        return min((m for m in moments if m is not None), default=None)

    async def advance(self, delta: timedelta, step: timedelta | None = None) -> None:
        """Move the clock forward, running the engine and dispatcher on the way: at each moment something
        falls due (a check-in, a grace running out, an escalation step, a reminder, a summary, a delivery),
        and at the end; work already due runs one STEP on. With a `step`, as a bot that sweeps only every
        `step` would: each piece of work at the first multiple of `step` at or after its moment (the passes
        in between, which would find nothing to do, are skipped)."""
        end = self.clock.now() + delta
        for _ in range(MAX_PASSES + int(max(delta, timedelta(0)) / (step or STEP))):
            now = self.clock.now()
            if now >= end:
                return
            moment = self._next_pass(now, step)
            self.clock.set(end if moment is None else min(end, moment))
            await self.tick()
        raise RuntimeError(f"advance: still short of {end} after {MAX_PASSES} passes more than stepping")

    def _next_pass(self, now: datetime, step: timedelta | None) -> datetime | None:
        """When the next pass that could find work runs (None: none before the end)."""
        due = self.next_due()
        if due is None:
            return None
        if step is None:
            return due if due > now else now + STEP
        return now + step * max(1, -((now - due) // step))  # the first step at or after `due`, never `now`

    async def advance_to(self, when: datetime, step: timedelta | None = None) -> None:
        await self.advance(when - self.clock.now(), step)

    # --- staff set-up --------------------------------------------------------------------------------

    def call(self, fn: Callable[[Ctx], T], actor: Actor | None = None) -> T:
        """Run a use case (a function of Ctx) in one transaction, as the operator unless told otherwise."""
        self._touched = True
        return self.app.call(fn, actor)

    def make_family(self, alias: str = "the Rowan family", timezone: str = "Europe/London", **kw: Any) -> int:
        kw.setdefault("caseworker", "console:anna")
        kw.setdefault("caseworker_name", "Anna")
        kw.setdefault("supervisor", "console:sam")
        kw.setdefault("duty", "console:duty")
        return self.call(lambda ctx: create_family(ctx, OPERATOR, alias=alias, timezone=timezone, **kw).id)

    def invite(self, family_id: int, name: str, role: str = "supporter", *, discreet: bool = False) -> str:
        return self.call(lambda ctx: create_invite(ctx, OPERATOR, family_id, name, role, discreet=discreet).code)

    async def join(self, family_id: int, name: str, chat: str, role: str = "supporter", *,
                   discreet: bool = False) -> None:
        """Invite a member, who opens the invite in chat `chat` and agrees (discreet: after tapping Show)."""
        code = self.invite(family_id, name, role, discreet=discreet)
        await self.command(chat, "start", code)
        if discreet:
            await self.press(chat, "Show")
        await self.press(chat, "I agree")

    async def network(self, plan: str | None = None, members: tuple[tuple[str, str, str], ...] = (
            ("Gran", "gran", "key_safety_person"), ("Sue", "sue", "key_safety_person")), **family: Any) -> int:
        """A family whose members have joined (and, given a plan, the plan applied and one tick run).

        On SQLite, a world that has done nothing yet starts from a copy of the same network built earlier in
        this process (same plan, members, family, settings and time): the same rows and chats, built once."""
        key = self._snapshot_key(plan, members, family) if not self._touched else None
        if key is not None and key in _SNAPSHOTS:
            return self._restore(_SNAPSHOTS[key])
        fid = self.make_family(**family)
        for name, chat, role in members:
            await self.join(fid, name, chat, role)
        if plan is not None:
            self.apply(fid, plan)
            await self.tick()
        if key is not None:
            self._save(key, fid)
        return fid

    def _snapshot_key(self, plan: str | None, members: object, family: dict[str, Any]) -> str | None:
        if _sqlite_path(self.url) is None:
            return None
        settings = self.app.settings.model_dump(exclude={"database_url"})
        return repr((plan, members, sorted(family.items()), self.clock.now().isoformat(), sorted(settings.items())))

    def _save(self, key: str, family_id: int) -> None:
        source = _sqlite_path(self.url)
        assert source is not None
        target = Path(tempfile.mkdtemp(prefix="familyteam-network-")) / "network.db"
        _copy_sqlite(source, target)
        _SNAPSHOTS[key] = _Snapshot(target, self.console.snapshot(), self._events, family_id)

    def _restore(self, snap: _Snapshot) -> int:
        target = _sqlite_path(self.url)
        assert target is not None
        self.app.db.dispose()
        _copy_sqlite(snap.path, target)
        use_data_keys(self.app.db, self.app.settings.data_key_list)  # the copy's rows are under its keys
        self.console.restore(snap.chats)
        self._events = snap.events
        self._touched = True
        return snap.family_id

    def apply(self, family_id: int, text: str, reason: str = "scenario") -> Any:
        """Apply a plan file's text (docs/plan-file.md) as a new plan version."""
        return self.call(lambda ctx: apply_plan(ctx, OPERATOR, family_id, text, reason))

    # --- people talking (members and staff alike) ------------------------------------------------

    async def send(self, event: Inbound) -> None:
        """Hand one event to the app's inbound door, then deliver what it queued."""
        self._touched = True
        await self.app.handle(event)
        await self.app.dispatcher.dispatch_once()

    async def staff(self, chat: str, intent: Intent) -> Outcome:
        """A member of staff in console chat `chat` submits a form or command (an intent from
        bot.conversation.staff_intents: NewFamily, Invite, EditPlan, ScheduleMeeting, Away, Resolve, ...),
        through the same staff door Slack's forms use; what it queued is delivered before this returns."""
        self._touched = True
        outcome = await self.app.staff("console", chat, intent, event_id=self._event_id())
        await self.app.dispatcher.dispatch_once()
        return outcome

    def _event_id(self) -> str:
        self._events += 1
        return f"e{self._events}"

    async def command(self, chat: str, command: str, args: str = "", **kw: Any) -> None:
        await self.send(Inbound("console", chat, InboundKind.COMMAND, command=command, args=args,
                                event_id=self._event_id(), **kw))

    async def say(self, chat: str, text: str, **kw: Any) -> None:
        await self.send(Inbound("console", chat, InboundKind.TEXT, text=text, event_id=self._event_id(), **kw))

    async def press(self, chat: str, label: str, *, data: str | None = None, event_id: str | None = None) -> None:
        """Press the newest button in `chat` whose label contains `label` (or raw button data)."""
        button_data = data if data is not None else self.console.button(chat, label).data
        await self.send(Inbound("console", chat, InboundKind.BUTTON, data=button_data,
                                event_id=event_id or self._event_id()))

    # --- looking ---------------------------------------------------------------------------------

    def inbox(self, chat: str) -> list[ChatLine]:
        """Everything `chat` has received, in order, as it shows now (edits applied, buttons included)."""
        return self.console.inbox(chat)

    def texts(self, chat: str) -> list[str]:
        return [line.text for line in self.console.inbox(chat)]

    def last(self, chat: str) -> str:
        return self.console.last(chat).text

    def checkins(self) -> list[Checkin]:
        return self.call(lambda ctx: list(ctx.s.scalars(select(Checkin).order_by(Checkin.due_at, Checkin.id))))

    def escalations(self) -> list[Escalation]:
        return self.call(lambda ctx: list(ctx.s.scalars(select(Escalation).order_by(Escalation.id))))

    def audit(self, action: str | None = None) -> list[AuditEvent]:
        q = select(AuditEvent).order_by(AuditEvent.id)
        if action:
            q = q.where(AuditEvent.action == action)
        return self.call(lambda ctx: list(ctx.s.scalars(q)))

    def outbox(self) -> list[OutboxMessage]:
        return self.call(lambda ctx: list(ctx.s.scalars(select(OutboxMessage).order_by(OutboxMessage.id))))

    def close(self) -> None:
        self.app.engine.close()
        self.app.db.dispose()
