"""The ports: what the core needs from the outside world, defined here and implemented by the adapters
in `handlers/`. Only `bot/bootstrap.py` knows which adapter implements which port."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from messages.outbound import Button, OutboundMessage


class DeliveryFailure(StrEnum):
    """The four things a failed send can mean to the dispatcher."""

    RETRY = "retry"  # transient: try again later (after retry_after seconds if the platform said)
    BLOCKED = "blocked"  # the person blocked the bot or left the workspace: stop sending to that chat
    PERMANENT = "permanent"  # this message can never be delivered; other messages to the chat still can
    UNKNOWN = "unknown"  # the request left but no answer came (a read timeout): it may have been delivered


class DeliveryError(Exception):
    """Why a send failed, in the dispatcher's terms."""

    def __init__(self, kind: DeliveryFailure | str, detail: str = "", retry_after: float | None = None) -> None:
        super().__init__(detail or str(kind))
        self.kind = DeliveryFailure(kind)
        self.detail, self.retry_after = detail, retry_after


@dataclass(frozen=True)
class SendLimits:
    """How fast a platform lets us send, as its transport declares it (`Transport.limits`); the dispatcher
    keeps to it. 0 switches a limit off."""

    per_second: float = 0.0  # the budget for all chats together (a token bucket)
    burst: int = 1  # messages the budget lets through at once after a quiet spell
    chat_interval: float = 0.0  # seconds between two messages to one chat


UNLIMITED = SendLimits()


def limits_of(transport: object) -> SendLimits:
    """A transport's declared limits; one that declares none (console, SMS) is not paced."""
    limits = getattr(transport, "limits", None)
    return limits if isinstance(limits, SendLimits) else UNLIMITED


@dataclass(frozen=True)
class Delivery:
    ref: str  # the platform's id for the message, used for edits and threads


class Transport(Protocol):
    """Sends and edits rendered messages on one platform (the outbox dispatcher's only way out). A transport
    may also declare `limits: SendLimits` (read with `limits_of`), which the dispatcher keeps to."""

    platform: str

    async def send(self, external_id: str, message: OutboundMessage, thread_ref: str | None = None) -> Delivery: ...

    async def edit(self, external_id: str, ref: str, message: OutboundMessage) -> Delivery: ...


class InboundKind(StrEnum):
    TEXT = "text"
    BUTTON = "button"
    COMMAND = "command"
    BLOCKED = "blocked"  # the person blocked the bot (Telegram my_chat_member -> kicked)
    UNBLOCKED = "unblocked"  # ... and let it back in


class MediaKind(StrEnum):
    """What a message carried besides (or instead of) text."""

    VOICE = "voice"
    PHOTO = "photo"
    VIDEO = "video"
    DOCUMENT = "document"
    STICKER = "sticker"
    LOCATION = "location"
    CONTACT = "contact"
    OTHER = "other"


@dataclass
class Inbound:
    """A normalised inbound event from any platform: what the conversation router takes in."""

    platform: str
    external_id: str  # the user (and, for one-to-one chats, the chat) on that platform
    kind: InboundKind | str
    text: str = ""
    data: str = ""  # button data
    command: str = ""  # without the slash
    args: str = ""
    private: bool = True
    display_name: str | None = None
    language: str | None = None
    event_id: str | None = None  # the platform's id, for deduplication
    edited: bool = False  # an edit of an earlier message (Telegram edited_message, Slack message_changed)
    forwarded_from: str | None = None  # a forward: someone else's words ("" when the original sender is hidden)
    media: MediaKind | None = None  # a voice note, photo, ... (a caption, if any, is in `text`)
    message_ref: str | None = None  # the platform's id of the message (an edit carries the same one)
    thread: str | None = None  # written in a thread: its first message's ref ("channel:ts" on Slack)

    def __post_init__(self) -> None:
        self.kind = InboundKind(self.kind)
        if self.media is not None:
            self.media = MediaKind(self.media)


AddressRule = Callable[[str], str | None]
"""A platform's rule for which of its chat ids can be a person's contact: the reason one cannot, or None."""

InboundSink = Callable[[Inbound], Awaitable[None]]
"""Where an adapter hands in what people said and pressed: the conversation router's door."""


class InviteLinks(Protocol):
    """Turns a one-time invite code into a link a member can open (Telegram deep links)."""

    async def invite_link(self, code: str) -> str | None: ...


class Service(Protocol):
    """An adapter with a life: its routes are added to the shared HTTP server before it serves, then it is
    started with the app and stopped with it (Telegram polling/webhook, Slack HTTP/Socket Mode)."""

    def register_routes(self, webapp: Any) -> None: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


@dataclass
class ChatLine:
    """One message as a chat shows it, kept by an in-process transport (console, tests, demo)."""

    ref: str
    external_id: str
    text: str
    buttons: list[list[Button]]
    edited: int = 0
    thread_ref: str | None = None
    history: list[str] = field(default_factory=list)


class ChatRecorder(Transport, Protocol):
    """A transport that keeps every chat's conversation in memory: the console transport."""

    lines: list[ChatLine]
    blocked: set[str]

    def inbox(self, external_id: str) -> list[ChatLine]: ...

    def last(self, external_id: str) -> ChatLine: ...

    def last_with_buttons(self, external_id: str) -> ChatLine | None: ...

    def button(self, external_id: str, label_part: str) -> Button: ...

    def snapshot(self) -> object:
        """Everything received so far, to be put back with `restore` (the scenario kit's network snapshots)."""
        ...

    def restore(self, state: object) -> None: ...
