"""The low-level signer behind the button registry (bot.conversation.buttons): opaque, signed button data,
short enough for Telegram's 64 bytes, useless if forged or altered. Only the registry calls this.

Format: ``<action>.<arg>.<arg>...~<sig>`` where sig is 10 url-safe base64 characters of an
HMAC-SHA256 over the rest. The receiver still authorises the presser; a valid signature only
proves the bot made the button.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

MAX_LEN = 64


@dataclass(frozen=True)
class ButtonData:
    action: str
    args: tuple[str, ...]


def _sig(secret: bytes, body: bytes) -> bytes:
    mac = hmac.new(secret, body, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac)[:10]


def sign(secret: bytes, action: str, *args: object) -> str:
    parts = [action, *(str(a) for a in args)]
    if any(("." in p or "~" in p) for p in parts):
        raise ValueError("button parts must not contain '.' or '~'")
    body = ".".join(parts)
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
    if not hmac.compare_digest(sig, _sig(secret, body)):
        return None
    action, *args = body.decode().split(".")
    return ButtonData(action, tuple(args))
