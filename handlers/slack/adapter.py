"""Slack: a transport (chat.postMessage / chat.update through the outbox) and a service (the Bolt app,
served at /slack/events on the bot's HTTP server, or over Socket Mode when SLACK_APP_TOKEN is set)."""

from __future__ import annotations

import logging
import re
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.ports import Delivery, DeliveryError, InboundSink, InviteLinks, SendLimits
from bot.settings import Settings, reveal
from handlers.slack import modals
from handlers.slack.blocks import BUTTON_ACTION, message_blocks
from handlers.slack.commands import COMMAND, Commands
from handlers.slack.context import SlackContext, StaffDoor
from handlers.slack.events import Events
from handlers.slack.home import SUMMARY_TIME_ACTION
from handlers.slack.http import make_route
from handlers.slack.limits import SlackLimitError
from handlers.slack.plan import PlanEditor
from handlers.slack.views import Views
from messages.outbound import OutboundMessage

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
# Slack's limits: about one message a second in one channel (chat.postMessage), and a workspace budget that
# for chat.update (Tier 3) is about 50 a minute: bursts of 20, then one a second. The dispatcher keeps to them.
LIMITS = SendLimits(per_second=1.0, burst=20, chat_interval=1.0)
DEFAULT_API_URL = "https://slack.com/api/"
# The person is gone or unreachable: stop sending to them (the dispatcher tells their caseworker).
BLOCKED = {"account_inactive", "user_not_found", "channel_not_found", "user_disabled", "cannot_dm_bot",
           "is_archived", "user_not_visible", "messages_tab_disabled"}
# This message can never go out (or be edited); other messages to the person still can. Errors that a
# workspace admin may fix (permissions, channel membership) are here, not above: one failure does not
# cut the person off.
PERMANENT = {"not_in_channel", "team_access_not_granted", "access_denied", "restricted_action",
             "msg_too_long", "no_text", "invalid_blocks", "invalid_blocks_format", "too_many_attachments",
             "message_not_found", "cant_update_message", "edit_window_closed", "invalid_arguments",
             "invalid_arg_name", "thread_not_found", "msg_blocks_too_long"}


def delivery_error(exc: SlackApiError) -> DeliveryError:
    response = exc.response
    error = str(response.get("error") or "") if response is not None else ""
    status = getattr(response, "status_code", 0)
    if status == 429 or error == "ratelimited":
        headers = {k.lower(): v for k, v in (getattr(response, "headers", None) or {}).items()}
        raw = headers.get("retry-after")
        raw = raw[0] if isinstance(raw, list) else raw
        try:
            after = float(raw) if raw is not None else 1.0
        except ValueError:
            after = 1.0
        return DeliveryError("retry", "ratelimited", retry_after=max(after, 1.0))
    if error in BLOCKED:
        return DeliveryError("blocked", error)
    if error in PERMANENT:
        return DeliveryError("permanent", error)
    return DeliveryError("retry", error or f"http {status}")


def _rendered(message: OutboundMessage) -> tuple[str, list[dict[str, Any]]]:
    """The message as Slack takes it; one that cannot fit Slack's limits is an error, and is never sent."""
    try:
        return message_blocks(message)
    except SlackLimitError as exc:
        log.error("Slack: a message does not fit Slack's limits and is not sent: %s", exc)
        raise DeliveryError("permanent", "too_large") from exc


def split_ref(ref: str) -> tuple[str, str]:
    channel, sep, ts = ref.partition(":")
    if not sep or not channel or not ts:
        raise DeliveryError("permanent", f"not a Slack message ref: {ref!r}")
    return channel, ts


class SlackAdapter:
    """Transport + Service. It gets what it uses: the inbound sink (what people say and press), the staff
    door (forms), its settings and invite links. `process_before_response=True` runs listeners before
    answering (tests, FaaS)."""

    platform = "slack"

    def __init__(self, settings: Settings, *, sink: InboundSink, staff: StaffDoor,
                 process_before_response: bool = False, invite_links: InviteLinks | None = None,
                 limits: SendLimits = LIMITS) -> None:
        if not settings.slack_bot_token:
            raise ValueError("SLACK_BOT_TOKEN is required for Slack")
        self.settings, self.limits = settings, limits
        self.socket_mode = bool(settings.slack_app_token)
        if not self.socket_mode and not settings.slack_signing_secret:
            raise ValueError("SLACK_SIGNING_SECRET is required for Slack in HTTP mode (or set SLACK_APP_TOKEN "
                             "for Socket Mode)")
        base_url = settings.slack_api_url or DEFAULT_API_URL
        # No retry handlers: the outbox dispatcher is the one retry policy for every send (backoff, Retry-After).
        self.client = AsyncWebClient(token=settings.slack_bot_token.get_secret_value(), retry_handlers=[],
                                     base_url=base_url if base_url.endswith("/") else base_url + "/")
        self.bolt = AsyncApp(signing_secret=reveal(settings.slack_signing_secret), client=self.client,
                             process_before_response=process_before_response,
                             request_verification_enabled=not self.socket_mode)
        self.context = SlackContext(self.client, sink, staff, settings, invite_links)
        self._listen(self.context)
        self._socket: Any = None

    def _listen(self, slack: SlackContext) -> None:
        bolt, commands, views, events = self.bolt, Commands(slack), Views(slack), Events(slack)
        bolt.command(COMMAND)(commands.on_command)
        for callback_id, listener in ((modals.CHOOSE, views.on_choose), (modals.NEW, views.on_new),
                                      (modals.INVITE, views.on_invite), (modals.MEETING, views.on_meeting),
                                      (modals.AWAY, views.on_away), (modals.RESOLVE, views.on_resolve)):
            bolt.view(callback_id)(listener)
        PlanEditor(slack).listen(bolt)
        bolt.action(re.compile(f"^{BUTTON_ACTION}"))(events.on_button)
        bolt.action(SUMMARY_TIME_ACTION)(events.on_summary_time)
        bolt.event("app_home_opened")(events.on_home_opened)
        bolt.event("message")(events.on_message)
        bolt.event(re.compile(".*"))(events.on_other)  # last: only events no listener above took

    # --- Transport -------------------------------------------------------------------------------

    async def send(self, external_id: str, message: OutboundMessage, thread_ref: str | None = None) -> Delivery:
        text, blocks = _rendered(message)
        args: dict[str, Any] = {"channel": external_id, "text": text, "blocks": blocks, "unfurl_links": False,
                                "unfurl_media": False}
        if thread_ref:
            args["channel"], args["thread_ts"] = split_ref(thread_ref)
        response = await self._call("chat_postMessage", args)
        return Delivery(f"{response['channel']}:{response['ts']}")

    async def edit(self, external_id: str, ref: str, message: OutboundMessage) -> Delivery:
        channel, ts = split_ref(ref)
        text, blocks = _rendered(message)
        response = await self._call("chat_update", {"channel": channel, "ts": ts, "text": text, "blocks": blocks})
        return Delivery(f"{response.get('channel') or channel}:{response.get('ts') or ts}")

    async def _call(self, method: str, args: dict[str, Any]) -> Any:
        try:
            return await getattr(self.client, method)(**args)
        except SlackApiError as exc:
            raise delivery_error(exc) from exc
        except TimeoutError as exc:  # no answer in time: after the request left, unless it never connected
            kind = "retry" if isinstance(exc, aiohttp.ConnectionTimeoutError) else "unknown"
            raise DeliveryError(kind, type(exc).__name__) from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise DeliveryError("retry", type(exc).__name__) from exc

    # --- Service ---------------------------------------------------------------------------------

    def register_routes(self, webapp: web.Application) -> None:
        if not self.socket_mode:
            webapp.router.add_post(EVENTS_PATH, self.handle_http)

    async def handle_http(self, request: web.Request) -> web.Response:
        """Verified and read by handlers/slack/http.py, then dispatched by Bolt."""
        secret = (reveal(self.settings.slack_signing_secret) or "").encode()
        return await make_route(secret, self.bolt.async_dispatch)(request)

    async def start(self) -> None:
        if self.socket_mode:
            from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

            self._socket = AsyncSocketModeHandler(self.bolt, reveal(self.settings.slack_app_token))
            await self._socket.connect_async()
            log.info("Slack: Socket Mode connected")
        else:
            log.info("Slack: HTTP mode at %s", EVENTS_PATH)

    async def stop(self) -> None:
        if self._socket is not None:
            await self._socket.close_async()
            self._socket = None
