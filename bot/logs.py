"""Logging for the running service: plain lines or one JSON object per line, ids never names.

FamilyTeam's own code logs ids (family, membership, outbox row, update id) and never names, message
texts, notes, phone numbers or secrets. The libraries underneath are not so careful: at DEBUG,
python-telegram-bot logs every Bot API call with its parameters (message texts), httpx logs request URLs
(which carry the Telegram bot token), slack_sdk logs request and response bodies, aiohttp logs request
lines. So, whatever level is asked for:
- those loggers are held at INFO or above (httpx and httpcore at WARNING: their INFO lines carry the URL);
- every record passes a filter that replaces the configured secrets (bot token, signing secret, webhook
  secret, app token, FAMILYTEAM_SECRET) with `[redacted]`, in the message, its arguments and any traceback.
`tests/adapters/test_log_privacy.py` runs the Telegram and Slack flows at DEBUG and scans the log for the
names, texts and secrets it used."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import IO, Any

from bot.settings import Settings

# Libraries whose DEBUG (or INFO) lines carry message bodies, request URLs with tokens, or payloads.
LIBRARY_FLOORS = {
    "httpx": logging.WARNING,  # INFO: "HTTP Request: POST https://api.telegram.org/bot<TOKEN>/..."
    "httpcore": logging.WARNING,
    "telegram": logging.INFO,  # DEBUG: every Bot API call with its parameters
    "slack_sdk": logging.INFO,  # DEBUG: request and response bodies
    "slack_bolt": logging.INFO,  # DEBUG: request bodies, listener payloads
    "aiohttp": logging.WARNING,  # access lines, request details
    "alembic": logging.WARNING,
    "apscheduler": logging.WARNING,
    "sqlalchemy": logging.WARNING,  # engine echo would print statements (parameters are hidden anyway)
    "asyncio": logging.INFO,
}
REDACTED = "[redacted]"


def secrets_of(settings: Settings) -> list[str]:
    """The configured secret values (at least 6 characters, so short test values do not redact words)."""
    return sorted({v for v in settings.secret_values() if len(v) >= 6}, key=len, reverse=True)


class RedactSecrets(logging.Filter):
    """Replaces known secret values in a record's message (arguments merged in) and traceback text."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def _clean(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        cleaned = self._clean(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._clean(record.exc_text)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, and the traceback if any."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


PLAIN = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(settings: Settings, stream: IO[str] | None = None) -> logging.Handler:
    """Set up the root logger for this process from the settings; returns the handler it installed."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if settings.log_format == "json" else logging.Formatter(PLAIN))
    handler.addFilter(RedactSecrets(secrets_of(settings)))
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "_familyteam", False):
            root.removeHandler(old)
    handler._familyteam = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    level = logging.getLevelName(settings.log_level.upper())
    root.setLevel(level if isinstance(level, int) else logging.INFO)
    for name, floor in LIBRARY_FLOORS.items():
        logging.getLogger(name).setLevel(max(floor, root.level))
    return handler
