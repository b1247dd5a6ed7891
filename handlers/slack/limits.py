"""Slack's limits, checked before anything is sent (slack_sdk.models validation: blocks per view, text and label
lengths, options per menu, and 50 blocks per message). Something too large is an error in the log and in tests
(SlackLimitError), never cut short on the way out: the builders make what they build fit."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

log = logging.getLogger(__name__)

MESSAGE_BLOCKS = 50  # chat.postMessage / chat.update
VIEW_BLOCKS = 100  # a modal or the Home tab
MESSAGE_TEXT = 40000  # a message's text (Slack truncates, or refuses with msg_too_long)
SECTION_TEXT = 3000


class SlackLimitError(ValueError):
    """What we built does not fit Slack's limits: a bug to fix, never sent."""


def view_dict(view: View) -> dict[str, Any]:
    """The view's JSON, validated by slack_sdk (and every block in it)."""
    try:
        return view.to_dict()
    except SlackObjectFormationError as exc:
        log.error("Slack: the %s view %s does not fit Slack's limits: %s", view.type, view.callback_id, exc)
        raise SlackLimitError(f"{view.type} view {view.callback_id}: {exc}") from exc


def checked_view(view: dict[str, Any]) -> dict[str, Any]:
    """A view's JSON as it is about to be sent (views.open/push/update/publish, or a submission's answer)."""
    try:
        View(**{k: v for k, v in view.items() if k not in ("state", "id", "hash")}).to_dict()
    except SlackObjectFormationError as exc:
        log.error("Slack: the %s view %s does not fit Slack's limits: %s", view.get("type"),
                  view.get("callback_id"), exc)
        raise SlackLimitError(f"{view.get('type')} view {view.get('callback_id')}: {exc}") from exc
    return view


def checked_message(text: str, blocks: list[dict[str, Any]]) -> None:
    """A message as it is about to be posted or edited (chat.postMessage / chat.update)."""
    problem = None
    if len(blocks) > MESSAGE_BLOCKS:
        problem = f"{len(blocks)} blocks (at most {MESSAGE_BLOCKS})"
    elif len(text) > MESSAGE_TEXT:
        problem = f"text of {len(text)} characters (at most {MESSAGE_TEXT})"
    else:
        try:
            for block in Block.parse_all(blocks):
                block.to_dict()
        except SlackObjectFormationError as exc:
            problem = str(exc)
    if problem:
        log.error("Slack: a message does not fit Slack's limits: %s", problem)
        raise SlackLimitError(f"message: {problem}")


def checked_text(text: str) -> str:
    """A plain text answer (a slash command's or an ephemeral message)."""
    if len(text) > MESSAGE_TEXT:
        log.error("Slack: a text answer of %d characters does not fit Slack's limits", len(text))
        raise SlackLimitError(f"text of {len(text)} characters")
    return text
