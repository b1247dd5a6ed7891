"""OutboundMessage -> what the Bot API takes: plain text (no parse_mode, so nothing in a message can
inject markup) and an inline keyboard whose callback_data is the core's signed, opaque button data."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from messages.outbound import Button, OutboundMessage

MAX_TEXT = 4096  # Telegram's limit for one message, in characters
MAX_CALLBACK_DATA = 64  # bytes


def keyboard(rows: list[list[Button]]) -> InlineKeyboardMarkup | None:
    rows = [row for row in rows if row]
    if not rows:
        return None
    for row in rows:
        for b in row:
            if len(b.data.encode()) > MAX_CALLBACK_DATA:
                raise ValueError(f"button data longer than {MAX_CALLBACK_DATA} bytes")
    return InlineKeyboardMarkup([[InlineKeyboardButton(b.label, callback_data=b.data) for b in row]
                                 for row in rows])


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Cut a long text into messages Telegram accepts, at line breaks where possible."""
    text = text or "…"
    chunks: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        if cut <= 0:
            cut = limit
        chunks.append(text[:cut])
        text = text[cut:].lstrip("\n")
    chunks.append(text)
    return chunks


def clip(text: str, limit: int = MAX_TEXT) -> str:
    """One message's worth (an edit cannot grow into two messages)."""
    text = text or "…"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def visible(message: OutboundMessage) -> tuple[str, InlineKeyboardMarkup | None]:
    """For a discreet member, only the neutral line and a Show button (OutboundMessage.visible)."""
    text, rows = message.visible()
    return text, keyboard(rows)
