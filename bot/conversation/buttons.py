"""The button registry: every kind of button the bot makes, defined once with its payload, its signing and
its handler. The short codes inside signed data (the only place they are written) keep Telegram's 64 bytes.

Make a button with `make(ctx.secret, ButtonAction.ACK, escalation_id)`; read a press with `read`, which
checks the signature, the action and each argument's type and never raises on garbage. Handlers are
attached with `@handles(action)` in bot/conversation/presses.py (they call services, which call `make`
here: keeping them in that module avoids an import cycle); the router checks that every action has one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot import buttons as signer
from bot.domain.vocabulary import Answer, MeetingReply
from bot.services.context import Actor, Ctx
from bot.services.errors import Refused
from messages.catalog import SUPPORTED_LANGUAGES
from storage.models import ChatIdentity

INT = "int"


class ButtonAction(StrEnum):
    CONSENT = "cs"  # invite id, y|n
    CHECKIN = "ci"  # check-in id, answer
    NOTE = "cn"  # check-in id
    MEETING = "mt"  # meeting id, reply
    ACK = "ea"  # escalation id
    RESOLVE = "er"  # escalation id
    SHOW = "sh"  # outbox message id (a discreet message's details)
    LANGUAGE = "lg"  # language code


# Each action's arguments: INT, or the tuple of allowed words.
PAYLOAD: dict[ButtonAction, tuple[str | tuple[str, ...], ...]] = {
    ButtonAction.CONSENT: (INT, ("y", "n")),
    ButtonAction.CHECKIN: (INT, tuple(a.value for a in Answer)),
    ButtonAction.NOTE: (INT,),
    ButtonAction.MEETING: (INT, tuple(r.value for r in MeetingReply)),
    ButtonAction.ACK: (INT,),
    ButtonAction.RESOLVE: (INT,),
    ButtonAction.SHOW: (INT,),
    ButtonAction.LANGUAGE: (tuple(SUPPORTED_LANGUAGES),),
}



@dataclass(frozen=True)
class Pressed:
    """A verified press: the action and its typed arguments."""

    action: ButtonAction
    args: tuple[Any, ...]

    def number(self, i: int = 0) -> int:
        value = self.args[i]
        assert isinstance(value, int)
        return value

    def word(self, i: int) -> str:
        return str(self.args[i])


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


def _valid(kind: str | tuple[str, ...], value: object) -> bool:
    if kind == INT:
        return isinstance(value, int) and not isinstance(value, bool) and value >= 0
    return isinstance(kind, tuple) and value in kind


def make(secret: bytes, action: ButtonAction, *args: object) -> str:
    """Signed data for one button. Raises ValueError on a programming error (wrong arguments)."""
    spec = PAYLOAD[action]
    if len(args) != len(spec) or not all(_valid(k, a) for k, a in zip(spec, args, strict=True)):
        raise ValueError(f"bad arguments for button {action.name}: {args!r}")
    return signer.sign(secret, action.value, *args)


def read(secret: bytes, data: object) -> Pressed | None:
    """The press if the data is a well-formed button we made, else None (never raises)."""
    raw = signer.verify(secret, data)
    if raw is None:
        return None
    try:
        action = ButtonAction(raw.action)
    except ValueError:
        return None
    spec = PAYLOAD[action]
    if len(raw.args) != len(spec):
        return None
    args: list[object] = []
    for kind, value in zip(spec, raw.args, strict=True):
        if kind == INT:
            if not (value.isascii() and value.isdigit()) or len(value) > 18:
                return None
            args.append(int(value))
        elif value in kind:
            args.append(value)
        else:
            return None
    return Pressed(action, tuple(args))


def handles(action: ButtonAction) -> Callable[[PressHandler], PressHandler]:
    def register(fn: PressHandler) -> PressHandler:
        if action in HANDLERS:
            raise RuntimeError(f"two handlers for button {action.name}")
        HANDLERS[action] = fn
        return fn

    return register
