"""Updates python-telegram-bot cannot read, in both modes: answered, recorded (redacted) and counted.

Webhook mode reads each body itself (adapter._on_webhook). In polling mode PTB parses a whole getUpdates
batch at once: one unreadable update (an old voice message whose `from` has no `is_bot`, say) fails the
batch, PTB logs the raw batch (texts and names included) and fetches the same batch again, for ever, so
nothing anyone says afterwards arrives. `ReadingBot` reads the batch one update at a time first: an
unreadable one is recorded and replaced by a bare update with the same id, which PTB confirms like any
other and the adapter skips."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import ExtBot

from bot.metrics import record_unreadable

PLATFORM = "telegram"
UNREADABLE = "familyteam_unreadable"  # the bare update's marker (it lands in Update.api_kwargs)


def readable(raw: Any, bot: Any) -> Any:
    """The raw update if PTB can read it; else (recorded) a bare update with its id and the marker."""
    try:
        Update.de_json(raw, bot)
    except Exception as exc:  # KeyError, TypeError, ValueError...: whatever the shape made PTB raise
        update_id = raw.get("update_id") if isinstance(raw, dict) else None
        record_unreadable(PLATFORM, update_id, raw, exc)
        if isinstance(update_id, int) and not isinstance(update_id, bool):
            return {"update_id": update_id, UNREADABLE: True}
        return None
    return raw


def is_unreadable(update: Update) -> bool:
    return bool(update.api_kwargs.get(UNREADABLE))


class ReadingBot(ExtBot[Any]):
    """PTB's ExtBot, reading a getUpdates batch one update at a time (see the module's note)."""

    async def _post(self, endpoint: str, data: Any = None, *args: Any, **kwargs: Any) -> Any:
        result = await super()._post(endpoint, data, *args, **kwargs)
        if endpoint != "getUpdates" or not isinstance(result, list):
            return result
        return [raw for raw in (readable(item, self) for item in result) if raw is not None]
