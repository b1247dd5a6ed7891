"""What each recorded shape in tests/fixtures must become at the core's door: one table, used by the parser
tests (tests/adapters/test_shapes.py) and the replay through the real routes (test_replay_fixtures.py)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Seen:
    """The Inbound the router receives (the fields that say what the shape was)."""

    kind: str = "text"
    text: str = ""
    edited: bool = False
    forwarded_from: str | None = None
    media: str | None = None
    private: bool = True


@dataclass(frozen=True)
class Skipped:
    """Answered (200) and counted, with nothing for the core to do."""

    reason: str


UNREADABLE = "unreadable"  # answered (200), recorded redacted, counted; never reaches the core

TELEGRAM: dict[str, Seen | Skipped | str] = {
    "text": Seen(text="hello"),
    "edited_message": Seen(text="worried: the door was left open all night", edited=True),
    "forward_user": Seen(text="done", forwarded_from="Kim Other"),
    "forward_hidden_user": Seen(text="I am worried about tonight", forwarded_from="Kim Hidden"),
    "forward_channel": Seen(text="done", forwarded_from="Local news"),
    "voice": Seen(media="voice"),
    "audio": Seen(media="voice"),
    "video_note": Seen(media="video"),
    "photo_caption": Seen(text="worried: this is the broken lock", media="photo"),
    "document": Seen(media="document"),
    "sticker": Seen(media="sticker"),
    "location": Seen(media="location"),
    "venue": Seen(media="location"),
    "contact": Seen(media="contact"),
    "my_chat_member_kicked": Seen(kind="blocked"),
    "my_chat_member_member": Seen(kind="unblocked"),
    "supergroup_message": Skipped("group"),
    "channel_post": Skipped("channel_post"),
    "unparseable_old_voice": UNREADABLE,
}

SLACK: dict[str, Seen | Skipped | str] = {
    "message_im": Seen(text="hello"),
    "message_changed": Seen(text="worried: nobody answered the door at pick-up", edited=True),
    "message_changed_unfurl": Skipped("unchanged"),
    "message_in_thread": Seen(text="done"),
    "bot_message": Skipped("bot"),
    "message_deleted": Skipped("subtype"),
    "channel_join": Skipped("subtype"),
    "file_share": Seen(text="worried: this is the broken lock", media="photo"),
    "app_home_opened": "home",  # App Home published, not an Inbound
    "unknown_event": Skipped("event"),
}
