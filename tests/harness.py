"""A test harness around the real app: real engine, dispatcher, router and console transport on a real
database, with a hand-moved clock. Nothing here sleeps."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import select

from bot.app import FamilyTeam
from bot.clock import ManualClock
from bot.services.context import Actor, Ctx
from bot.services.families import create_family
from bot.services.invites import create_invite
from bot.services.plans import apply_plan
from bot.settings import Settings
from handlers.base import Inbound
from handlers.console.transport import ConsoleLine, ConsoleTransport
from storage.models import AuditEvent, Checkin, Escalation, OutboxMessage

T = TypeVar("T")
MONDAY = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # Monday 30 Nov 2026, 08:00 in London too
OPERATOR = Actor.cli("test")


def settings_for(url: str, **extra: Any) -> Settings:
    values: dict[str, Any] = {"DATABASE_URL": url, "FAMILYTEAM_SECRET": "test-secret"}
    values.update(extra)
    return Settings(**values)


class Harness:
    def __init__(self, url: str, start: datetime = MONDAY, **settings: Any) -> None:
        self.url = url
        self.clock = ManualClock(start)
        self.app = FamilyTeam(settings_for(url, **settings), clock=self.clock)
        self.console = ConsoleTransport()
        self.app.add_transport(self.console)
        self._events = itertools.count(1)

    # --- time ------------------------------------------------------------------------------------

    @property
    def now(self) -> datetime:
        return self.clock.now()

    async def tick(self) -> None:
        await self.app.tick()

    async def advance(self, delta: timedelta, step: timedelta = timedelta(minutes=5)) -> None:
        """Move the clock forward in steps, running the engine and dispatcher at each step."""
        end = self.clock.now() + delta
        while self.clock.now() < end:
            self.clock.advance(min(step, end - self.clock.now()))
            await self.tick()

    async def advance_to(self, when: datetime, step: timedelta = timedelta(minutes=5)) -> None:
        await self.advance(when - self.clock.now(), step)

    # --- use cases -------------------------------------------------------------------------------

    def call(self, fn: Callable[[Ctx], T], actor: Actor | None = None) -> T:
        return self.app.call(fn, actor)

    def make_family(self, alias: str = "the Rowan family", timezone: str = "Europe/London", **kw: Any) -> int:
        kw.setdefault("caseworker", "console:anna")
        kw.setdefault("caseworker_name", "Anna")
        kw.setdefault("supervisor", "console:sam")
        kw.setdefault("duty", "console:duty")
        return self.call(lambda ctx: create_family(ctx, OPERATOR, alias=alias, timezone=timezone, **kw).id)

    def invite(self, family_id: int, name: str, role: str = "supporter") -> str:
        return self.call(lambda ctx: create_invite(ctx, OPERATOR, family_id, name, role).code)

    async def join(self, family_id: int, name: str, chat: str, role: str = "supporter") -> None:
        code = self.invite(family_id, name, role)
        await self.command(chat, "start", code)
        await self.press(chat, "I agree")

    async def network(self, plan: str | None = None, members: tuple[tuple[str, str, str], ...] = (
            ("Gran", "gran", "key_safety_person"), ("Sue", "sue", "key_safety_person")), **family: Any) -> int:
        """A family whose members have joined (and, given a plan, the plan applied and one tick run)."""
        fid = self.make_family(**family)
        for name, chat, role in members:
            await self.join(fid, name, chat, role)
        if plan is not None:
            self.apply(fid, plan)
            await self.tick()
        return fid

    def apply(self, family_id: int, text: str, reason: str = "test") -> Any:
        return self.call(lambda ctx: apply_plan(ctx, OPERATOR, family_id, text, reason))

    # --- people talking --------------------------------------------------------------------------

    async def _inbound(self, event: Inbound) -> None:
        await self.app.router.handle(event)
        await self.app.dispatcher.dispatch_once()

    async def command(self, chat: str, command: str, args: str = "", **kw: Any) -> None:
        await self._inbound(Inbound("console", chat, "command", command=command, args=args,
                                    event_id=f"e{next(self._events)}", **kw))

    async def say(self, chat: str, text: str, **kw: Any) -> None:
        await self._inbound(Inbound("console", chat, "text", text=text, event_id=f"e{next(self._events)}", **kw))

    async def press(self, chat: str, label: str, *, data: str | None = None, event_id: str | None = None) -> None:
        button_data = data if data is not None else self.console.button(chat, label).data
        await self._inbound(Inbound("console", chat, "button", data=button_data,
                                    event_id=event_id or f"e{next(self._events)}"))

    # --- looking -------------------------------------------------------------------------------

    def inbox(self, chat: str) -> list[ConsoleLine]:
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
        self.app.db.dispose()


PLAN = """
contingency = "Take the children to Gran's and call the caseworker."
review_by = 2027-02-26
people_to_avoid = ["Kevin"]

[[bottom_line]]
key = "sober-care"
text = "No drinking while caring for the children"

[[commitment]]
key = "school-run"
member = "Gran"
text = "Collect the children from school"
schedule = "FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=15;BYMINUTE=30"
grace = "45m"

[[commitment]]
key = "evening-call"
member = "Sue"
text = "Call Mum at 7 and check everyone is settled"
schedule = "FREQ=DAILY;BYHOUR=19;BYMINUTE=0"
grace = "1h"
guards = "sober-care"
"""
