"""Buttons: every kind the bot makes, defined once with its payload (`ButtonAction`, `PAYLOAD`), and their
opaque, signed data, short enough for Telegram's 64 bytes, useless if forged or altered. Services make
buttons with `make(ctx.secret, ButtonAction.ACK, escalation_id)`; the conversation router reads a press
with `read`, which checks the signature, the action and each argument's type and never raises on garbage.
What each press does is in bot/conversation/presses.py.

Format: ``<action>.<arg>.<arg>...~<sig>`` where sig is 10 url-safe base64 characters of an
HMAC-SHA256 over the rest. The receiver still authorises the presser; a valid signature only
proves the bot made the button.
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Any

from bot.domain.vocabulary import Answer, MeetingReply
from messages.catalog import SUPPORTED_LANGUAGES

MAX_LEN = 64


@dataclass(frozen=True)
class ButtonData:
    action: str
    args: tuple[str, ...]


_IPAD = bytes(x ^ 0x36 for x in range(256))
_OPAD = bytes(x ^ 0x5C for x in range(256))


@lru_cache(maxsize=8)
def _keyed(secret: bytes) -> tuple[Any, Any]:
    """HMAC-SHA256 (RFC 2104) keyed once: the inner and the outer SHA-256 states after the key's pads, copied
    for each signature (what hmac.HMAC.copy does, without its Python wrapper: a check-in's question signs
    five buttons). `verify` checks with the standard library's hmac, so the two are checked against each other
    by every press."""
    key = (hashlib.sha256(secret).digest() if len(secret) > 64 else secret).ljust(64, b"\0")
    return hashlib.sha256(key.translate(_IPAD)), hashlib.sha256(key.translate(_OPAD))


_URLSAFE = bytes.maketrans(b"+/", b"-_")


def _encode(digest: bytes) -> bytes:
    """The signature's 10 url-safe base64 characters: those of the digest's first 9 bytes (base64 works in
    groups of 3 bytes, so they are the first 10 of the whole digest's encoding, computed on less)."""
    return binascii.b2a_base64(digest[:9], newline=False)[:10].translate(_URLSAFE)


def _sig(secret: bytes, body: bytes) -> bytes:
    inner_keyed, outer_keyed = _keyed(secret)
    inner = inner_keyed.copy()
    inner.update(body)
    outer = outer_keyed.copy()
    outer.update(inner.digest())
    return _encode(outer.digest())


def _checked_sig(secret: bytes, body: bytes) -> bytes:
    return _encode(hmac.new(secret, body, hashlib.sha256).digest())


def sign(secret: bytes, action: str, *args: object) -> str:
    body = ".".join([action, *map(str, args)])
    if "~" in body or body.count(".") != len(args):  # no part holds a '.' or a '~'
        raise ValueError("button parts must not contain '.' or '~'")
    data = f"{body}~{_sig(secret, body.encode()).decode()}"
    if len(data.encode()) > MAX_LEN:
        raise ValueError("button data longer than 64 bytes")
    return data


def verify(secret: bytes, data: object) -> ButtonData | None:
    """The action and arguments if the data was made by us, else None. Never raises, whatever `data` is."""
    if not isinstance(data, str) or not data or "~" not in data:
        return None
    try:
        raw = data.encode()
    except UnicodeError:  # lone surrogates
        return None
    if len(raw) > MAX_LEN:
        return None
    body, sig = raw.rsplit(b"~", 1)
    if not hmac.compare_digest(sig, _checked_sig(secret, body)):
        return None
    action, *args = body.decode().split(".")
    return ButtonData(action, tuple(args))


# --- the registry -----------------------------------------------------------------------------------

INT = "int"


class ButtonAction(StrEnum):
    CONSENT = "cs"  # invite id, y|n
    CHECKIN = "ci"  # check-in id, answer
    NOTE = "cn"  # check-in id
    MEETING = "mt"  # meeting id, reply
    ACK = "ea"  # escalation id
    RESOLVE = "er"  # escalation id
    SHOW = "sh"  # outbox message id (a discreet message's details)
    HIDE = "hd"  # outbox message id (a discreet message revealed: back to its neutral line)
    LANGUAGE = "lg"  # language code
    LEAVE = "lv"  # y|n: the answer to "do you want to leave?" (/stop, or "stop" in words)
    REPLY = "rp"  # conversation message id (staff answer a member's message)


# Each action's arguments: INT, or the tuple of allowed words.
PAYLOAD: dict[ButtonAction, tuple[str | tuple[str, ...], ...]] = {
    ButtonAction.CONSENT: (INT, ("y", "n")),
    ButtonAction.CHECKIN: (INT, tuple(a.value for a in Answer)),
    ButtonAction.NOTE: (INT,),
    ButtonAction.MEETING: (INT, tuple(r.value for r in MeetingReply)),
    ButtonAction.ACK: (INT,),
    ButtonAction.RESOLVE: (INT,),
    ButtonAction.SHOW: (INT,),
    ButtonAction.HIDE: (INT,),
    ButtonAction.LANGUAGE: (tuple(SUPPORTED_LANGUAGES),),
    ButtonAction.LEAVE: (("y", "n"),),
    ButtonAction.REPLY: (INT,),
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


def _valid(kind: str | tuple[str, ...], value: object) -> bool:
    if kind == INT:
        return isinstance(value, int) and not isinstance(value, bool) and value >= 0
    return isinstance(kind, tuple) and value in kind


def make(secret: bytes, action: ButtonAction, *args: object) -> str:
    """Signed data for one button. Raises ValueError on a programming error (wrong arguments)."""
    spec = PAYLOAD[action]
    if len(args) != len(spec) or not all(map(_valid, spec, args)):
        raise ValueError(f"bad arguments for button {action.name}: {args!r}")
    return sign(secret, action.value, *args)


def make_choices(secret: bytes, action: ButtonAction, *args: object) -> dict[str, str]:
    """Signed data for one button per allowed value of the action's last argument (e.g. each answer to one
    check-in), {value: data}, the other arguments checked once. Raises ValueError as `make` does."""
    spec = PAYLOAD[action]
    choices = spec[-1] if spec else None
    if not isinstance(choices, tuple) or len(args) != len(spec) - 1 or \
            not all(map(_valid, spec, args)):
        raise ValueError(f"bad arguments for buttons {action.name}: {args!r}")
    prefix = ".".join([action.value, *map(str, args)]) + "."
    if "~" in prefix or prefix.count(".") != len(args) + 1:  # no part holds a '.' or a '~'
        raise ValueError("button parts must not contain '.' or '~'")
    inner_keyed, outer_keyed = _keyed(secret)
    shared = inner_keyed.copy()  # the common prefix hashed once: each choice only adds its own word
    shared.update(prefix.encode())
    out = {}
    for choice in choices:
        inner = shared.copy()
        inner.update(choice.encode())
        outer = outer_keyed.copy()
        outer.update(inner.digest())
        out[choice] = data = f"{prefix}{choice}~{_encode(outer.digest()).decode()}"
        if len(data.encode()) > MAX_LEN:
            raise ValueError("button data longer than 64 bytes")
    return out


def read(secret: bytes, data: object) -> Pressed | None:
    """The press if the data is a well-formed button we made, else None (never raises)."""
    raw = verify(secret, data)
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
