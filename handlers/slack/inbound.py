"""A Slack `message` event -> the core's normalised Inbound, or Ignored (why there is nothing to do).

Read: a person's new message (`channel_type` "im" is a direct message, anything else is not private), a
message in a thread, a thread reply also sent to the channel, a shared file (`media`, its message as the
text) and an edit (`message_changed`: the new text and the author from the inner `message`, `edited=True`;
a change that leaves the text as it was, such as a link preview being attached, is not an edit).
Ignored: messages from bots (ours included), deletions, joins, topic changes and every other subtype."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.ports import Inbound, InboundKind, MediaKind

PLATFORM = "slack"
SAID = (None, "thread_broadcast", "file_share")  # subtypes that are someone saying something
MEDIA_BY_MIME = (("image/", MediaKind.PHOTO), ("audio/", MediaKind.VOICE), ("video/", MediaKind.VIDEO))


@dataclass(frozen=True)
class Ignored:
    """Nothing for the core to do, and why (a metric label: a small fixed set of words)."""

    reason: str


def _private(event: dict[str, Any]) -> bool:
    channel_type = event.get("channel_type")
    if channel_type is None:  # older payloads: a DM's channel id starts with D
        return str(event.get("channel") or "").startswith("D")
    return channel_type == "im"


def _media(message: dict[str, Any]) -> MediaKind | None:
    files = [f for f in message.get("files") or [] if isinstance(f, dict)]
    if not files and message.get("subtype") != "file_share":
        return None
    mimetype = str((files[0] if files else {}).get("mimetype") or "")
    return next((kind for prefix, kind in MEDIA_BY_MIME if mimetype.startswith(prefix)), MediaKind.DOCUMENT)


def _from_bot(message: dict[str, Any]) -> bool:
    return bool(message.get("bot_id")) or message.get("subtype") == "bot_message" or not message.get("user")


def _thread(event: dict[str, Any], message: dict[str, Any]) -> str | None:
    """A reply in a thread: "channel:thread_ts" of its first message (a thread's first message is not a reply)."""
    thread_ts = message.get("thread_ts")
    return f"{event.get('channel')}:{thread_ts}" if thread_ts and thread_ts != message.get("ts") else None


def _edit(event: dict[str, Any], event_id: str) -> Inbound | Ignored:
    message, previous = event.get("message") or {}, event.get("previous_message") or {}
    if not isinstance(message, dict) or _from_bot(message):
        return Ignored("bot")
    if message.get("subtype") not in SAID:
        return Ignored("subtype")
    text = str(message.get("text") or "")
    if isinstance(previous, dict) and text == str(previous.get("text") or ""):
        return Ignored("unchanged")  # a link preview attached, a reply count changed, ...
    return Inbound(PLATFORM, str(message["user"]), InboundKind.TEXT, text=text, private=_private(event),
                   event_id=event_id, edited=True, media=_media(message), message_ref=message.get("ts"),
                   thread=_thread(event, message))


def message_inbound(event: dict[str, Any], event_id: str) -> Inbound | Ignored:
    subtype = event.get("subtype")
    if subtype == "message_changed":
        return _edit(event, event_id)
    if subtype not in SAID and subtype != "bot_message":
        return Ignored("subtype")  # message_deleted, channel_join, channel_topic, ...
    if _from_bot(event):
        return Ignored("bot")
    return Inbound(PLATFORM, str(event["user"]), InboundKind.TEXT, text=str(event.get("text") or ""),
                   private=_private(event), event_id=event_id, media=_media(event), message_ref=event.get("ts"),
                   thread=_thread(event, event))
