"""`familyteam console --as console:NAME`: chat with the bot in a terminal as one member or staff.

Type a command (/start CODE, /mine, /next, /stop, /help), a plain answer ("done", "worried: ..."),
or the number of a button shown in the latest message. The engine runs in this process."""

from __future__ import annotations

import asyncio
import sys
import uuid

from bot.ports import ChatLine, Inbound, InboundKind, InboundSink
from bot.services.people import parse_address
from handlers.console.transport import ConsoleTransport
from messages.outbound import Button


class NumberedConsole(ConsoleTransport):
    """Prints one chat's messages with numbered buttons, so a person can press them by number."""

    def __init__(self, chat: str) -> None:
        super().__init__(out=None)
        self.chat = chat
        self.numbered: list[Button] = []

    def _print(self, line: ChatLine, prefix: str) -> None:
        if line.external_id != self.chat:
            return
        print(f"\n{prefix} " + line.text.replace("\n", "\n   "))
        if line.buttons:
            self.numbered = [b for row in line.buttons for b in row]
            print("   " + "  ".join(f"[{i}] {b.label}" for i, b in enumerate(self.numbered, 1)))
        print("> ", end="", flush=True)


def to_inbound(chat: str, line: str, numbered: list[Button], event_id: str) -> Inbound | None:
    text = line.strip()
    if not text:
        return None
    if text.isdigit() and 1 <= int(text) <= len(numbered):
        return Inbound("console", chat, InboundKind.BUTTON, data=numbered[int(text) - 1].data, event_id=event_id)
    if text.startswith("/"):
        command, _, args = text[1:].partition(" ")
        return Inbound("console", chat, InboundKind.COMMAND, command=command.lower(), args=args, event_id=event_id)
    return Inbound("console", chat, InboundKind.TEXT, text=text, event_id=event_id)


async def read_lines(chat: str, console: NumberedConsole, sink: InboundSink) -> None:
    """Read this terminal until Ctrl-D; every line becomes an event handed to `sink` (the app's door)."""
    session = uuid.uuid4().hex[:8]  # event ids unique per session, so a second session is not deduplicated
    print(f"FamilyTeam console as console:{chat}. Type /help, an answer, or a button number. Ctrl-D to quit.")
    print("> ", end="", flush=True)
    loop = asyncio.get_running_loop()
    n = 0
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            return
        n += 1
        event = to_inbound(chat, line, console.numbered, f"console-{chat}-{session}-{n}")
        if event is not None:
            await sink(event)


def console_chat(address: str) -> str:
    """The chat name in console:NAME."""
    platform, chat = parse_address(address)
    if platform != "console":
        raise SystemExit("familyteam console only speaks as console:NAME")
    return chat
