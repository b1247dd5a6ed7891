"""Block Kit (slack_sdk.models) from platform-neutral messages, and the small builders the modals and App
Home share. Texts from the catalogues are plain words: escaping and emphasis are added here."""

from __future__ import annotations

from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from handlers.slack.limits import MESSAGE_BLOCKS as MAX_BLOCKS
from handlers.slack.limits import MESSAGE_TEXT, SlackLimitError, checked_message
from messages.outbound import OutboundMessage

BUTTON_ACTION = "ft_button"  # action_id prefix of every button carrying signed core data
MAX_SECTION = 3000


def escape(text: str) -> str:
    """Slack's three control characters, so nobody's words can mention @channel or forge a link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def strong(text: str) -> str:
    """Emphasis for words already escaped."""
    return f"*{text}*" if text else text


def plain(text: str, limit: int = 3000) -> PlainTextObject:
    return PlainTextObject(text=(text or " ")[:limit], emoji=True)


def mrkdwn(text: str) -> MarkdownTextObject:
    """Longer than a section holds is an error when the view or message is checked (split it with chunks())."""
    return MarkdownTextObject(text=text or " ")


def section(text: str, block_id: str | None = None, accessory: Any = None) -> SectionBlock:
    """A section of mrkdwn that is already escaped."""
    return SectionBlock(text=mrkdwn(text), block_id=block_id, accessory=accessory)


def words(text: str) -> SectionBlock:
    """A section showing plain words as they are."""
    return section(escape(text))


def context(text: str) -> ContextBlock:
    return ContextBlock(elements=[mrkdwn(escape(text))])


def header(text: str) -> HeaderBlock:
    return HeaderBlock(text=plain(text, 150))


def divider() -> DividerBlock:
    return DividerBlock()


def button(label: str, value: str, action_id: str, style: str = "default") -> ButtonElement:
    return ButtonElement(text=plain(label, 75), value=value, action_id=action_id,
                         style=style if style in ("primary", "danger") else None)


def as_dicts(blocks: list[Block]) -> list[dict[str, Any]]:
    return [b.to_dict() for b in blocks]


def chunks(text: str, size: int = MAX_SECTION) -> list[str]:
    """Text in pieces a section holds, cut at line breaks where possible."""
    out, rest = [], text
    while len(rest) > size:
        cut = rest.rfind("\n", 0, size)
        cut = cut if cut > 0 else size
        out.append(rest[:cut])
        rest = rest[cut:].lstrip("\n")
    out.append(rest)
    return out


def message_blocks(message: OutboundMessage) -> tuple[str, list[dict[str, Any]]]:
    """(plain-text fallback, blocks), checked against Slack's limits. A discreet member sees only the neutral
    line and Show. A body of more sections than a message holds is packed into fewer, fuller sections: every
    word and every button is kept (SlackLimitError if even that cannot fit)."""
    text, rows = message.visible()
    head: list[Block] = []
    parts: list[str] = []
    shows_details = not (message.discreet and message.discreet_text and message.reveal)
    if shows_details and message.title and message.fields:
        head.append(header(message.title))
        parts = [f"{strong(escape(label))}\n{escape(value)}" if label else escape(value)
                 for label, value in message.fields]
    else:
        parts = [escape(text)]
    body = [chunk for part in parts for chunk in chunks(part)]
    actions: list[Block] = [
        ActionsBlock(block_id=f"ft_row_{r}", elements=[button(b.label, b.data, f"{BUTTON_ACTION}_{r}_{c}", b.style)
                                                        for c, b in enumerate(row)])
        for r, row in enumerate(rows) if row]
    if len(head) + len(body) + len(actions) > MAX_BLOCKS:
        body = chunks("\n\n".join(parts))
    blocks: list[Block] = [*head, *(section(chunk) for chunk in body), *actions]
    fallback = escape(text)
    # The fallback is only the notification's words (the blocks carry the message): a long one is shortened.
    fallback = fallback if len(fallback) <= MESSAGE_TEXT else fallback[:MESSAGE_TEXT - 1] + "…"
    try:
        dicts = as_dicts(blocks)
    except SlackObjectFormationError as exc:
        raise SlackLimitError(f"message: {exc}") from exc
    checked_message(fallback, dicts)
    return fallback, dicts
