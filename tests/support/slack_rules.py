"""What Slack refuses, as the fake Web API and the fake submission answers check it: a view over 100 blocks
(`invalid_arguments`), a message over 50 blocks or with a text too long (`invalid_blocks`, `msg_too_long`),
and the text limits of blocks, checked with slack_sdk.models plus the few Slack leaves to its server."""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

MESSAGE_BLOCKS, VIEW_BLOCKS, MESSAGE_TEXT = 50, 100, 40000


def view_problem(view: dict[str, Any]) -> str | None:
    """Why Slack would refuse this view (views.open/push/update/publish: `invalid_arguments`), or None."""
    blocks = view.get("blocks") or []
    if not 0 < len(blocks) <= VIEW_BLOCKS:
        return f"[ERROR] must provide between 1 and {VIEW_BLOCKS} blocks [json-pointer:/view/blocks]"
    if len(view.get("private_metadata") or "") > 3000:
        return "[ERROR] must be less than 3001 characters [json-pointer:/view/private_metadata]"
    try:
        View(**{k: v for k, v in view.items() if k not in ("id", "state", "hash")}).to_dict()
    except SlackObjectFormationError as exc:
        return f"[ERROR] {exc}"
    return _texts_problem(blocks)


def message_problem(args: dict[str, Any]) -> str | None:
    """Slack's error for this chat.postMessage / chat.update, or None."""
    blocks = args.get("blocks") or []
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    if len(str(args.get("text") or "")) > MESSAGE_TEXT:
        return "msg_too_long"
    if len(blocks) > MESSAGE_BLOCKS:
        return "invalid_blocks"
    try:
        for block in Block.parse_all(blocks):
            block.to_dict()
    except SlackObjectFormationError:
        return "invalid_blocks"
    return "invalid_blocks" if _texts_problem(blocks) else None


def _texts_problem(blocks: list[dict[str, Any]]) -> str | None:
    """Text limits Slack enforces that slack_sdk leaves to the server: section text, option labels."""
    for block in blocks:
        text = (block.get("text") or {}).get("text") or ""
        if block.get("type") == "section" and len(text) > 3000:
            return "[ERROR] section text must be at most 3000 characters"
        element = block.get("element") or block.get("accessory") or {}
        for option in element.get("options") or []:
            if len(option["text"]["text"]) > 75 or len(option["value"]) > 150:
                return "[ERROR] option text must be at most 75 characters, its value at most 150"
        if element.get("type") == "plain_text_input" and len(element.get("initial_value") or "") > int(
                element.get("max_length") or 3000):
            return "[ERROR] initial_value is longer than max_length"
    return None
