"""Block Kit from platform-neutral messages, and the small builders the modals and App Home share."""

from __future__ import annotations

from typing import Any

from messages.outbound import OutboundMessage

BUTTON_ACTION = "ft_button"  # action_id prefix of every button carrying signed core data
MAX_SECTION = 3000
MAX_BLOCKS = 50


def escape(text: str) -> str:
    """Slack's three control characters, so nobody's words can mention @channel or forge a link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def plain(text: str, limit: int = 3000) -> dict[str, Any]:
    return {"type": "plain_text", "text": (text or " ")[:limit], "emoji": True}


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": (text or " ")[:MAX_SECTION]}


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": mrkdwn(text)}


def context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [mrkdwn(text)]}


def header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": plain(text, 150)}


def divider() -> dict[str, Any]:
    return {"type": "divider"}


def button(label: str, value: str, action_id: str, style: str = "default") -> dict[str, Any]:
    b: dict[str, Any] = {"type": "button", "text": plain(label, 75), "value": value, "action_id": action_id}
    if style in ("primary", "danger"):
        b["style"] = style
    return b


def _chunks(text: str, size: int = MAX_SECTION) -> list[str]:
    out, rest = [], text
    while len(rest) > size:
        cut = rest.rfind("\n", 0, size)
        cut = cut if cut > 0 else size
        out.append(rest[:cut])
        rest = rest[cut:].lstrip("\n")
    out.append(rest)
    return out


def message_blocks(message: OutboundMessage) -> tuple[str, list[dict[str, Any]]]:
    """(plain-text fallback, blocks). A discreet member sees only the neutral line and Show."""
    text, rows = message.visible()
    blocks: list[dict[str, Any]] = []
    shows_details = not (message.discreet and message.discreet_text and message.reveal)
    if shows_details and message.title and message.fields:
        blocks.append(header(message.title))
        for label, value in message.fields:
            body = f"*{escape(label)}*\n{escape(value)}" if label else escape(value)
            blocks += [section(chunk) for chunk in _chunks(body)]
    else:
        blocks += [section(chunk) for chunk in _chunks(escape(text))]
    for r, row in enumerate(rows):
        if row:
            blocks.append({"type": "actions", "block_id": f"ft_row_{r}",
                           "elements": [button(b.label, b.data, f"{BUTTON_ACTION}_{r}_{c}", b.style)
                                        for c, b in enumerate(row)]})
    if len(blocks) > MAX_BLOCKS:  # keep the buttons, shorten the body
        actions = [b for b in blocks if b["type"] == "actions"]
        blocks = blocks[:MAX_BLOCKS - len(actions)] + actions
    return escape(text)[:40000], blocks
