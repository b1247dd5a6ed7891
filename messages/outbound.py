"""Platform-neutral messages: text plus rows of buttons. Adapters turn them into Telegram or Slack."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Button:
    label: str
    data: str  # opaque, signed (bot.buttons)
    style: str = "default"  # default | primary | danger


@dataclass
class OutboundMessage:
    text: str
    buttons: list[list[Button]] = field(default_factory=list)
    # For a shared phone: what a discreet member sees until they tap "Show".
    discreet_text: str | None = None
    # Set for members flagged discreet: adapters show only discreet_text and a "Show" button
    # (data in `reveal`) until tapped.
    discreet: bool = False
    reveal: str | None = None
    reveal_label: str = "Show"
    hide_label: str = "Hide"  # once revealed: the button that puts the neutral line back
    # Nothing in it about any family or plan (the answer to /discreet itself): shown as is to a discreet member.
    neutral: bool = False
    # Replace an earlier message (outbox id) instead of sending a new one, when the platform can.
    edit_of: int | None = None
    # Post under an earlier message (outbox id) as a thread reply, when the platform can.
    thread_of: int | None = None
    # A short title for staff platforms (Slack header block).
    title: str | None = None
    fields: list[tuple[str, str]] = field(default_factory=list)
    # The language the text is in (en, es, pl), for a channel that speaks it (a voice call); None: not needed.
    language: str | None = None

    def to_payload(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "buttons": [[{"label": b.label, "data": b.data, "style": b.style} for b in row] for row in self.buttons],
            "discreet_text": self.discreet_text,
            "discreet": self.discreet,
            "reveal": self.reveal,
            "reveal_label": self.reveal_label,
            "hide_label": self.hide_label,
            "neutral": self.neutral,
            "edit_of": self.edit_of,
            "thread_of": self.thread_of,
            "title": self.title,
            "fields": [list(f) for f in self.fields],
            "language": self.language,
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> OutboundMessage:
        return cls(
            text=payload["text"],
            buttons=[[Button(b["label"], b["data"], b.get("style", "default")) for b in row]
                     for row in payload.get("buttons", [])],
            discreet_text=payload.get("discreet_text"),
            discreet=payload.get("discreet", False),
            reveal=payload.get("reveal"),
            reveal_label=payload.get("reveal_label", "Show"),
            hide_label=payload.get("hide_label", "Hide"),
            neutral=payload.get("neutral", False),
            edit_of=payload.get("edit_of"),
            thread_of=payload.get("thread_of"),
            title=payload.get("title"),
            fields=[(f[0], f[1]) for f in payload.get("fields", [])],
            language=payload.get("language"),
        )

    def visible(self) -> tuple[str, list[list[Button]]]:
        """What a screen shows now: for a discreet member, only the neutral line and a Show button."""
        if self.discreet and self.discreet_text and self.reveal:
            return self.discreet_text, [[Button(self.reveal_label, self.reveal)]]
        return self.text, self.buttons
