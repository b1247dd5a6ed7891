"""The small interface every platform adapter implements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from messages.outbound import OutboundMessage


class DeliveryError(Exception):
    """Why a send failed, in the dispatcher's terms.

    kind: "retry" (transient; retry_after seconds if the platform said), "blocked" (the person blocked
    the bot or left the workspace: stop sending), "permanent" (this message can never be delivered).
    """

    def __init__(self, kind: str, detail: str = "", retry_after: float | None = None) -> None:
        super().__init__(detail or kind)
        self.kind, self.detail, self.retry_after = kind, detail, retry_after


@dataclass(frozen=True)
class Delivery:
    ref: str  # the platform's id for the message, used for edits and threads


class Transport(Protocol):
    platform: str

    async def send(self, external_id: str, message: OutboundMessage, thread_ref: str | None = None) -> Delivery: ...

    async def edit(self, external_id: str, ref: str, message: OutboundMessage) -> Delivery: ...


@dataclass
class Inbound:
    """A normalised inbound event from any platform."""

    platform: str
    external_id: str  # the user (and, for one-to-one chats, the chat) on that platform
    kind: str  # "text" | "button" | "command"
    text: str = ""
    data: str = ""  # button data
    command: str = ""  # without the slash
    args: str = ""
    private: bool = True
    display_name: str | None = None
    language: str | None = None
    event_id: str | None = None  # the platform's id, for deduplication
