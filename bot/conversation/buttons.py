"""The press side of the button registry: what a press being handled carries, and the table of handlers
(attached with `@handles(action)` in bot/conversation/presses.py; the router checks every action has one).
The buttons themselves (ButtonAction, their payloads, make, read) are in bot/buttons.py, below the
services that make them; they are named here too for the conversation layer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.buttons import PAYLOAD, ButtonAction, Pressed, make, read
from bot.services.context import Actor, Ctx
from bot.services.errors import Refused
from storage.models import ChatIdentity

__all__ = ["HANDLERS", "PAYLOAD", "ButtonAction", "Press", "PressHandler", "Pressed", "handles", "make", "read"]


@dataclass
class Press:
    """A press being handled: the transaction, who pressed, what, and the reply's idempotency key."""

    ctx: Ctx
    identity: ChatIdentity
    actor: Actor
    pressed: Pressed
    key: str
    display_name: str | None = None

    def member(self) -> Actor:
        """The presser as a member: a chat not linked to anyone is refused."""
        if self.actor.person_id is None:
            raise Refused("unknown_chat", "this chat is not linked to a member",
                          subject=f"button.{self.pressed.action.name.lower()}")
        return self.actor


PressHandler = Callable[[Press], None]
HANDLERS: dict[ButtonAction, PressHandler] = {}


def handles(action: ButtonAction) -> Callable[[PressHandler], PressHandler]:
    def register(fn: PressHandler) -> PressHandler:
        if action in HANDLERS:
            raise RuntimeError(f"two handlers for button {action.name}")
        HANDLERS[action] = fn
        return fn

    return register
