"""Buttons, the App Home time picker, App Home opens, messages (and edits) and event types we did not ask for.

A press is the conversation router's, like on every platform (same use case, same reply by DM), except a
Resolve the presser may use now: Slack collects its note in a modal (the staff door's Resolve intent then
runs the same use case)."""

from __future__ import annotations

from typing import Any

from bot.conversation import staff_intents as i
from bot.metrics import record_ignored
from bot.ports import Inbound, InboundKind
from handlers.slack.context import PLATFORM, Ack, SlackContext, request_key
from handlers.slack.inbound import Ignored, message_inbound
from handlers.slack.modals import forms
from messages.catalog import translator


class Events:
    def __init__(self, slack: SlackContext) -> None:
        self.slack = slack

    async def on_button(self, ack: Ack, body: dict[str, Any]) -> None:
        await ack()
        uid = body["user"]["id"]
        value = str((body.get("actions") or [{}])[0].get("value") or "")
        key = request_key(body)
        form = await self.slack.ask(uid, i.ResolveForm(value), f"form:{key}")
        if form.duplicate:
            return
        if form.ok and form.value is not None:
            escalation_id, title = form.value
            await self.slack.open_view(body.get("trigger_id", ""),
                                       forms.resolve(translator(form.language), escalation_id, title))
        else:
            await self.slack.sink(Inbound(PLATFORM, uid, InboundKind.BUTTON, data=value,
                                          display_name=body["user"].get("name") or None, event_id=key))
        if (body.get("view") or {}).get("type") == "home":
            await self.slack.publish_home(uid)

    async def on_summary_time(self, ack: Ack, body: dict[str, Any]) -> None:
        await ack()
        uid = body["user"]["id"]
        at = (body.get("actions") or [{}])[0].get("selected_time") or ""
        outcome = await self.slack.ask(uid, i.SetSummaryTime(at), request_key(body))
        if not outcome.duplicate:
            await self.slack.publish_home(uid)

    async def on_home_opened(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        if event.get("tab", "home") == "home" and event.get("user"):
            await self.slack.publish_home(event["user"], request_key(body))
        else:
            record_ignored(PLATFORM, "tab")  # the Messages tab opened: nothing to show

    async def on_message(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        """What people write (handlers/slack/inbound.py says which shapes); the rest is counted as ignored."""
        inbound = message_inbound(event, request_key(body))
        if isinstance(inbound, Ignored):
            record_ignored(PLATFORM, inbound.reason)
            return
        await self.slack.sink(inbound)

    async def on_other(self, body: dict[str, Any]) -> None:
        """An event type we did not ask for (a workspace may subscribe the app to more): acknowledged, counted,
        never an error (Bolt would answer 404 and Slack would retry it)."""
        record_ignored(PLATFORM, "event")
