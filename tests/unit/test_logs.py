"""The log set-up: secrets replaced wherever they appear, JSON lines, library loggers held above DEBUG."""

from __future__ import annotations

import io
import json
import logging

from bot.logs import REDACTED, JsonFormatter, RedactSecrets, configure_logging, secrets_of
from bot.settings import Settings


def record(msg: str, *args: object, exc: BaseException | None = None) -> logging.LogRecord:
    return logging.LogRecord("telegram.Bot", logging.DEBUG, __file__, 1, msg, args,
                             (type(exc), exc, exc.__traceback__) if exc else None)


def test_a_secret_in_the_arguments_or_the_traceback_is_replaced() -> None:
    token = "123456:AAE-secret-bot-token"
    flt = RedactSecrets([token])
    rec = record("POST https://api.telegram.org/bot%s/sendMessage", token)
    assert flt.filter(rec) and rec.getMessage() == f"POST https://api.telegram.org/bot{REDACTED}/sendMessage"
    try:
        raise RuntimeError(f"bad url /bot{token}/getMe")
    except RuntimeError as exc:
        rec = record("failed", exc=exc)
    flt.filter(rec)
    assert token not in (rec.exc_text or "") and REDACTED in (rec.exc_text or "")


def test_short_or_missing_secrets_are_not_used_to_redact_ordinary_words() -> None:
    settings = Settings(FAMILYTEAM_SECRET="abc", TELEGRAM_BOT_TOKEN="123456:long-enough-token")
    assert secrets_of(settings) == ["123456:long-enough-token"]


def test_json_lines_and_library_floors() -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    saved = root.level, logging.getLogger("telegram").level, logging.getLogger("httpx").level
    handler = configure_logging(Settings(FAMILYTEAM_LOG_LEVEL="DEBUG", FAMILYTEAM_LOG_FORMAT="json"), stream)
    try:
        logging.getLogger("bot.engine").debug("tick at %s", "2026-11-30T08:00:00+00:00")
        logging.getLogger("telegram.Bot").debug("Calling Bot API endpoint sendMessage with text")
        logging.getLogger("httpx").info("HTTP Request: POST https://api.telegram.org/bot123/sendMessage")
    finally:
        root.removeHandler(handler)
        root.setLevel(saved[0])
        logging.getLogger("telegram").setLevel(saved[1])
        logging.getLogger("httpx").setLevel(saved[2])
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [(e["logger"], e["level"]) for e in lines] == [("bot.engine", "DEBUG")]
    assert lines[0]["message"] == "tick at 2026-11-30T08:00:00+00:00"


def test_json_formatter_keeps_the_traceback() -> None:
    try:
        raise ValueError("boom")
    except ValueError as exc:
        line = JsonFormatter().format(record("failed", exc=exc))
    assert "ValueError: boom" in json.loads(line)["exception"]
