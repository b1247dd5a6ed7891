"""What every Slack listener shares: the doors into the core (the inbound sink for what people say and
press, the staff door for forms), who is asking and in which language, request keys for Slack's retries,
and the few Web API calls a listener makes itself (ephemeral answers, opening and publishing views)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.conversation.staff_intents import HomeView, Intent, Outcome
from bot.ports import InboundSink, InviteLinks
from bot.settings import Settings
from handlers.slack.blocks import escape
from handlers.slack.home import home_view, refused_view
from handlers.slack.limits import SlackLimitError, checked_text, checked_view
from messages import forms as texts
from messages.catalog import translator

log = logging.getLogger(__name__)
PLATFORM = "slack"
Ack = Callable[..., Awaitable[None]]
StaffDoor = Callable[[str, str, Intent, str | None], Awaitable[Outcome]]
"""The core's staff door: (platform, user id, intent, event id) -> outcome."""


def request_key(body: dict[str, Any]) -> str:
    """What makes a Slack request unique (a retry carries the same), as the event id the core deduplicates."""
    if body.get("type") == "event_callback":
        return f"ev:{body.get('event_id') or (body.get('event') or {}).get('ts', '')}"
    action = (body.get("actions") or [{}])[0]
    if body.get("type") == "block_actions":
        return f"act:{body.get('trigger_id', '')}:{action.get('action_ts', '')}"
    if body.get("type") == "view_submission":
        view = body.get("view") or {}
        return f"view:{body.get('trigger_id', '')}:{view.get('id', '')}:{view.get('hash', '')}"[:128]
    return f"cmd:{body.get('trigger_id', '')}"


@dataclass
class SlackContext:
    client: AsyncWebClient
    sink: InboundSink
    staff: StaffDoor
    settings: Settings
    invite_links: InviteLinks | None = None

    async def ask(self, user_id: str, intent: Intent, event_id: str | None = None) -> Outcome:
        return await self.staff(PLATFORM, user_id, intent, event_id)

    async def ephemeral(self, channel: str | None, user_id: str, text: str) -> None:
        if not channel:
            return
        try:
            await self.client.chat_postEphemeral(channel=channel, user=user_id, text=checked_text(text))
        except Exception:
            log.exception("Slack: could not post an ephemeral message")

    async def _views(self, method: str, view: dict[str, Any], **where: str) -> None:
        """One views.* call with the view checked against Slack's limits first. A too-large view is our bug,
        raised (and logged as an error); a failed call is logged and the listener goes on."""
        checked = checked_view(view)  # SlackLimitError propagates: never swallowed as a failed call
        try:
            await getattr(self.client, method)(view=checked, **where)
        except Exception:
            log.exception("Slack: %s failed", method.replace("_", "."))

    async def open_view(self, trigger_id: str, view: dict[str, Any]) -> None:
        await self._views("views_open", view, trigger_id=trigger_id)

    async def push_view(self, trigger_id: str, view: dict[str, Any]) -> None:
        """A view over the open modal (closing it goes back to the one below)."""
        await self._views("views_push", view, trigger_id=trigger_id)

    async def update_view(self, view_id: str, view: dict[str, Any]) -> None:
        """Show an open modal (e.g. the one below a pushed view) anew."""
        await self._views("views_update", view, view_id=view_id)

    async def publish_home(self, user_id: str, event_id: str | None = None) -> None:
        outcome = await self.ask(user_id, HomeView(), event_id)
        if outcome.duplicate:
            return
        tr = translator(outcome.language)
        view = home_view(tr, outcome.value) if outcome.ok else refused_view(texts.refused(tr, "unknown_chat"))
        try:
            await self.client.views_publish(user_id=user_id, view=checked_view(view))
        except SlackLimitError:
            raise  # our bug, logged as an error: never swallowed as a failed call
        except Exception:
            log.exception("Slack: views.publish failed")

    async def telegram_link(self, code: str) -> str | None:
        if self.invite_links is None:
            return None
        try:
            # Slack wants its answer within 3 s: a slow Telegram must not cost the caseworker the code.
            return await asyncio.wait_for(self.invite_links.invite_link(code), timeout=1.5)
        except Exception:  # Telegram unreachable: the code alone still works
            log.warning("could not build the Telegram invite link", exc_info=True)
            return None


def shown(text: str) -> str:
    """Plain words for a Slack text answer (mrkdwn), escaped."""
    return escape(text)
