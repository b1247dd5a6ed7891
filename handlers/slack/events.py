"""Buttons, the App Home time picker, App Home opens and direct messages.

A press is the conversation router's, like on every platform (same use case, same reply by DM), except a
Resolve the presser may use now: Slack collects its note in a modal (the staff door's Resolve intent then
runs the same use case)."""

from __future__ import annotations

from typing import Any

from bot.conversation import staff_intents as i
from bot.ports import Inbound, InboundKind
from handlers.slack.context import PLATFORM, Ack, SlackContext, request_key
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

    async def on_message(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        if event.get("bot_id") or not event.get("user") or event.get("subtype") not in (None, "file_share",
                                                                                          "thread_broadcast"):
            return  # our own messages, edits, joins: nothing to answer (a shared file or photo is answered)
        thread_ts = event.get("thread_ts")
        thread = f"{event.get('channel')}:{thread_ts}" if thread_ts and thread_ts != event.get("ts") else None
        await self.slack.sink(Inbound(PLATFORM, event["user"], InboundKind.TEXT, text=event.get("text") or "",
                                      private=event.get("channel_type") == "im", event_id=request_key(body),
                                      message_ref=event.get("ts"), thread=thread))
