"""Recorded payload shapes (tests/fixtures/<platform>/*.json, each with a `_source` note saying where the
shape comes from), loaded with the member's placeholder ids replaced by a test's own."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent / "fixtures"
TELEGRAM_MEMBER = 424242  # the member's user (and private chat) id in the Telegram fixtures
SLACK_MEMBER, SLACK_DM = "U0MEMBER1", "D0MEMBER1"  # the member and their DM in the Slack fixtures


def names(platform: str) -> list[str]:
    return sorted(p.stem for p in (ROOT / platform).glob("*.json"))


def source(platform: str, name: str) -> str:
    return str(json.loads((ROOT / platform / f"{name}.json").read_text())["_source"])


def load(platform: str, name: str, replace: dict[str, str] | None = None) -> dict[str, Any]:
    """The payload as the platform sends it (notes starting with "_" removed), placeholders replaced:
    `replace` maps a placeholder (a whole word or number in the file) to its value."""
    text = (ROOT / platform / f"{name}.json").read_text()
    for placeholder, value in (replace or {}).items():
        text = re.sub(rf"\b{re.escape(placeholder)}\b", value, text)
    payload: dict[str, Any] = json.loads(text)
    return {k: v for k, v in payload.items() if not k.startswith("_")}


def telegram(name: str, user_id: int, update_id: int) -> dict[str, Any]:
    update = load("telegram", name, {str(TELEGRAM_MEMBER): str(user_id)})
    update["update_id"] = update_id
    return update


def slack(name: str, user: str, dm: str, event_id: str) -> dict[str, Any]:
    body = load("slack", name, {SLACK_MEMBER: user, SLACK_DM: dm})
    body["event_id"] = event_id
    return body
