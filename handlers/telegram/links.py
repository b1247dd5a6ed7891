"""Invite deep links: https://t.me/<bot username>?start=<code>, the username read with getMe."""

from __future__ import annotations

import re
from urllib.parse import quote

from telegram import Bot

from bot.settings import Settings

START_PARAM = re.compile(r"^[A-Za-z0-9_-]{1,64}$")  # what Telegram allows after ?start=


def api_base_urls(settings: Settings) -> tuple[str, str] | None:
    """(base_url, base_file_url) for a self-hosted Bot API server; None for api.telegram.org.
    PTB appends the token to each: <base>/bot<TOKEN>/<method>."""
    base = (settings.telegram_api_base_url or "").rstrip("/")
    if not base:
        return None
    return f"{base}/bot", f"{base}/file/bot"


def make_bot(settings: Settings) -> Bot:
    if not settings.telegram_bot_token:
        raise RuntimeError("TELEGRAM_BOT_TOKEN is not set")
    urls = api_base_urls(settings)
    token = settings.telegram_bot_token.get_secret_value()
    if urls is None:
        return Bot(token)
    return Bot(token, base_url=urls[0], base_file_url=urls[1])


def deep_link(username: str, code: str) -> str:
    if not START_PARAM.match(code):
        raise ValueError("an invite code must be 1-64 letters, digits, _ or -")
    return f"https://t.me/{quote(username)}?start={code}"


class TelegramInviteLinks:
    """ports.InviteLinks for Telegram: the bot's username is read once with getMe and kept."""

    def __init__(self, settings: Settings, username: str | None = None) -> None:
        self.settings, self.username = settings, username

    async def invite_link(self, code: str) -> str | None:
        if self.username is None:
            async with make_bot(self.settings) as bot:
                self.username = bot.username
        return deep_link(self.username, code)
