"""`familyteam demo`: a sample family's week, through the real engine, dispatcher, router and console
transport, on a temporary SQLite database and an accelerated clock. Scripted people answer the way
real ones might: mostly on time, once late after a nudge, once worried, once not at all."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import json
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.app import App
from bot.bootstrap import build, console_transport
from bot.clock import ManualClock
from bot.engine.engine import next_delivery
from bot.ports import ChatLine, ChatRecorder, Inbound
from bot.services.context import Actor, Ctx
from bot.services.families import create_family
from bot.services.invites import create_invite
from bot.services.people import ensure_person
from bot.services.plans import apply_plan
from bot.settings import Settings

TZ = ZoneInfo("Europe/London")
START = datetime(2026, 11, 30, 7, 0, tzinfo=TZ)  # a Monday
END = datetime(2026, 12, 6, 18, 30, tzinfo=TZ)  # the Sunday, after the weekly thank-you
STEP = timedelta(minutes=15)  # the engine runs every 15 simulated minutes; people act at their own times
PLAN = Path(__file__).resolve().parent.parent / "examples" / "rowan-family.toml"

MEMBERS = {"Gran": ("console:gran", "key_safety_person"), "Aunt Sue": ("console:sue", "key_safety_person"),
           "Tom": ("console:tom", "supporter"), "Ms Patel": ("console:patel", "supporter")}
STAFF = {"console:anna": "Anna (caseworker)", "console:sam": "Sam (supervisor)", "console:duty": "Duty team"}


@dataclass(order=True)
class Action:
    at: datetime
    seq: int
    who: str = field(compare=False)
    kind: str = field(compare=False)  # "press" | "text" | "command"
    value: str = field(compare=False)


class Week:
    def __init__(self, app: App, clock: ManualClock, console: ChatRecorder) -> None:
        self.app, self.clock, self.console = app, clock, console
        self.queue: list[Action] = []
        self.seq = itertools.count()
        self.seen = 0
        self.edits: dict[str, int] = {}
        self.transcript: dict[str, list[str]] = {}
        self.names = {addr.split(":")[1]: name for name, (addr, _) in MEMBERS.items()}
        self.names.update({a.split(":")[1]: n for a, n in STAFF.items()})

    def local(self) -> datetime:
        return self.clock.now().astimezone(TZ)

    def note(self, who: str, line: str) -> None:
        self.transcript.setdefault(who, []).append(f"{self.local():%a %H:%M}  {line}")

    def later(self, minutes: int, who: str, kind: str, value: str) -> None:
        heapq.heappush(self.queue, Action(self.clock.now() + timedelta(minutes=minutes), next(self.seq), who, kind,
                                          value))

    # --- what each person does when a message reaches them ---------------------------------------

    def react(self, line: ChatLine) -> None:
        who, text = line.external_id, line.text
        has = {b.label for row in line.buttons for b in row}
        if "I agree" in has:
            self.later(2, who, "press", "I agree")
        elif "Coming" in has and not getattr(self, f"replied_{who}", False):
            setattr(self, f"replied_{who}", True)
            self.later(30, who, "press", "Can't come" if who == "tom" else "Coming")
        elif "Acknowledge" in has:
            self.later(10, who, "press", "Acknowledge")
            self.later(35 if who == "anna" else 45, who, "press", "Resolve")
        elif text.startswith("A gentle reminder"):
            if who in ("gran", "tom"):
                self.later(25, who, "text", "done - sorry, I couldn't get to my phone" if who == "tom" else "done")
        elif text.startswith("Check-in"):
            self.answer_checkin(who)
        elif text.startswith("Please write a short note"):
            note = ("Spoke to Tom and Dad: the visit was cut short and the baby stayed with Mum. Plan reminded."
                    if who == "anna" else "Called Mum: she is tired, Aunt Sue is staying overnight. "
                                          "Caseworker to follow up tomorrow.")
            self.later(3, who, "text", note)

    def answer_checkin(self, who: str) -> None:
        day = self.local().strftime("%a")
        if (who == "gran" and day == "Wed") or (who == "tom" and day == "Thu"):
            return  # no answer: Wednesday's gets a nudge; Thursday's guards a bottom line
        if who == "sue" and day == "Thu":
            self.later(8, who, "text", "worried: Mum sounded very low tonight. I'm going round to stay with them.")
        elif who == "patel" and day == "Tue":
            self.later(20, who, "text", "not done, they arrived at 9:40 today, the bus was late")
        else:
            self.later(10 if who != "gran" else 20, who, "press", "Done")

    async def act(self, action: Action) -> None:
        addr = action.who
        if action.kind == "press":
            button = self.console.button(addr, action.value)
            self.note(addr, f"{self.names[addr]} pressed [{button.label}]")
            event = Inbound("console", addr, "button", data=button.data, event_id=f"demo-{action.seq}")
        elif action.kind == "command":
            self.note(addr, f"{self.names[addr]}: /{action.value}")
            cmd, _, args = action.value.partition(" ")
            event = Inbound("console", addr, "command", command=cmd, args=args, event_id=f"demo-{action.seq}")
        else:
            self.note(addr, f"{self.names[addr]}: {action.value}")
            event = Inbound("console", addr, "text", text=action.value, event_id=f"demo-{action.seq}")
        await self.app.router.handle(event)
        await self.app.dispatcher.dispatch_once()
        self.collect()

    def collect(self) -> None:
        for line in self.console.lines[self.seen:]:
            self.note(line.external_id, "bot" + (" (thread)" if line.thread_ref else "") + ": "
                      + line.text.replace("\n", "\n                ") + self._buttons(line))
            self.react(line)
        self.seen = len(self.console.lines)
        for line in self.console.lines:
            if line.edited != self.edits.get(line.ref, 0):
                self.edits[line.ref] = line.edited
                self.note(line.external_id, "bot (updated its message): "
                          + line.text.replace("\n", "\n                ") + self._buttons(line))

    @staticmethod
    def _buttons(line: ChatLine) -> str:
        labels = [f"[{b.label}]" for row in line.buttons for b in row]
        return ("\n                " + " ".join(labels)) if labels else ""

    async def run(self) -> None:
        """The engine runs on a 15-minute grid; a pass that could find nothing to do is skipped (the same
        week, without the idle passes)."""
        last: datetime | None = None
        next_tick = self.clock.now()
        while self.clock.now() < END:
            if self.queue and self.queue[0].at < next_tick:
                action = heapq.heappop(self.queue)
                self.clock.set(max(action.at, self.clock.now()))
                await self.act(action)
                if last is not None:  # what they did may fall due before the pass planned
                    next_tick = min(next_tick, self._next_tick(last))
                continue
            self.clock.set(next_tick)
            await self.app.tick()
            self.collect()
            last = next_tick
            next_tick = self._next_tick(last)

    def _next_tick(self, last: datetime) -> datetime:
        """The first grid moment after `last`, not before now, at which the engine or dispatcher has work."""
        now = self.clock.now()
        moments = [self.app.engine.next_due(now), next_delivery(self.app.db, now, self.app.transports)]
        due = min(max(min((m for m in moments if m is not None), default=END), now), END)  # a last pass at the end
        return last + STEP * max(1, -((last - due) // STEP))


def setup(app: App) -> tuple[int, list[tuple[str, str]]]:
    """The caseworker creates the family and invites the four members; returns (family id, codes)."""
    actor = Actor.cli("demo")

    def make(ctx: Ctx) -> tuple[int, list[tuple[str, str]]]:
        family = create_family(ctx, actor, alias="the Rowan family", timezone="Europe/London",
                               caseworker="console:anna", caseworker_name="Anna", supervisor="console:sam",
                               duty="console:duty", emergency_number="999")
        ensure_person(ctx, "console:sam", "Sam")
        ensure_person(ctx, "console:duty", "Duty team")
        codes = [(addr.split(":", 1)[1], create_invite(ctx, actor, family.id, name, role).code)
                 for name, (addr, role) in MEMBERS.items()]
        return family.id, codes

    return app.call(make)


async def _demo(db_path: Path) -> Week:
    clock = ManualClock(START.astimezone(UTC))
    settings = Settings(DATABASE_URL=f"sqlite:///{db_path}", FAMILYTEAM_SECRET="demo-secret-not-for-production")
    console = console_transport()
    app = build(settings, clock=clock, transports=[console])
    week = Week(app, clock, console)
    family_id, codes = setup(app)
    for chat, code in codes:
        week.later(0, chat, "command", f"start {code}")
    # Everyone joins first, then the caseworker applies the plan written at the network meeting.
    for _ in range(3):
        while week.queue and week.queue[0].at <= clock.now() + timedelta(minutes=5):
            await week.act(heapq.heappop(week.queue))
        clock.advance(timedelta(minutes=5))
    app.call(lambda ctx: apply_plan(ctx, Actor.cli("demo"), family_id, PLAN.read_text(), "first plan"))
    await app.dispatcher.dispatch_once()
    week.collect()
    await week.run()
    app.db.dispose()
    return week


def run_demo(json_output: bool = False) -> None:
    with tempfile.TemporaryDirectory(prefix="familyteam-demo-") as tmp:
        week = asyncio.run(_demo(Path(tmp) / "demo.db"))
    if json_output:
        print(json.dumps(week.transcript, indent=2, ensure_ascii=False))
        return
    order = ["gran", "sue", "tom", "patel", "anna", "sam", "duty"]
    print("FamilyTeam demo: one week of the Rowan family's safety network (times are Europe/London).\n")
    for who in order:
        lines = week.transcript.get(who, [])
        print("=" * 100)
        print(f"{week.names[who]}'s conversation ({len(lines)} entries)")
        print("=" * 100)
        for line in lines:
            print(line)
        print()
