"""An in-process transport that keeps each chat's conversation and can print it as it happens."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable
from typing import TextIO

from bot.ports import ChatLine, Delivery, DeliveryError
from messages.outbound import Button, OutboundMessage


class ConsoleTransport:
    platform = "console"

    def __init__(self, out: TextIO | None = None, show: Callable[[str], bool] | None = None,
                 label: Callable[[str], str] | None = None) -> None:
        self.lines: list[ChatLine] = []
        self._by_ref: dict[str, ChatLine] = {}
        self._refs = itertools.count(1)
        self.out, self.show, self.label = out, show, label or (lambda x: x)
        self.blocked: set[str] = set()  # external ids that "blocked the bot", for tests
        self.timestamp: Callable[[], str] = lambda: ""

    def _print(self, line: ChatLine, prefix: str) -> None:
        if self.out is None or (self.show and not self.show(line.external_id)):
            return
        stamp = self.timestamp()
        head = f"{stamp} {prefix} {self.label(line.external_id)}".strip()
        body = line.text.replace("\n", "\n    ")
        self.out.write(f"{head}:\n    {body}\n")
        for row in line.buttons:
            self.out.write("    " + "  ".join(f"[{b.label}]" for b in row) + "\n")
        self.out.flush()

    async def send(self, external_id: str, message: OutboundMessage, thread_ref: str | None = None) -> Delivery:
        if external_id in self.blocked:
            raise DeliveryError("blocked", "bot was blocked by the user")
        text, buttons = message.visible()
        line = ChatLine(str(next(self._refs)), external_id, text, buttons, thread_ref=thread_ref)
        self.lines.append(line)
        self._by_ref[line.ref] = line
        self._print(line, "bot →" if thread_ref is None else "bot ↳")
        return Delivery(line.ref)

    async def edit(self, external_id: str, ref: str, message: OutboundMessage) -> Delivery:
        line = self._by_ref.get(ref)
        if line is None or line.external_id != external_id:
            raise DeliveryError("permanent", "no such message")
        line.history.append(line.text)
        text, buttons = message.visible()
        line.text, line.buttons, line.edited = text, buttons, line.edited + 1
        self._print(line, "bot ✎")
        return Delivery(ref)

    # --- for tests, the demo and the interactive console ------------------------------------------

    def snapshot(self) -> object:
        return copy.deepcopy((self.lines, set(self.blocked)))

    def restore(self, state: object) -> None:
        lines: list[ChatLine]
        blocked: set[str]
        lines, blocked = copy.deepcopy(state)  # type: ignore[misc]
        self.lines, self.blocked = lines, blocked
        self._by_ref = {line.ref: line for line in self.lines}
        self._refs = itertools.count(len(self.lines) + 1)

    def inbox(self, external_id: str) -> list[ChatLine]:
        return [line for line in self.lines if line.external_id == external_id]

    def last(self, external_id: str) -> ChatLine:
        return self.inbox(external_id)[-1]

    def last_with_buttons(self, external_id: str) -> ChatLine | None:
        return next((ln for ln in reversed(self.inbox(external_id)) if ln.buttons), None)

    def button(self, external_id: str, label_part: str) -> Button:
        """The newest button for this chat whose label contains `label_part`."""
        for line in reversed(self.inbox(external_id)):
            for row in line.buttons:
                for b in row:
                    if label_part.lower() in b.label.lower():
                        return b
        raise LookupError(f"no button {label_part!r} for {external_id}")
