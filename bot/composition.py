"""Build the app from settings: which transports run depends only on which tokens are set."""

from __future__ import annotations

import logging
import sys

from bot.app import FamilyTeam
from bot.settings import Settings
from handlers.console.transport import ConsoleTransport

log = logging.getLogger(__name__)


def build_app(settings: Settings) -> FamilyTeam:
    app = FamilyTeam(settings)
    if settings.telegram_bot_token:
        from handlers.telegram.adapter import TelegramAdapter

        telegram = TelegramAdapter(settings)
        app.add_transport(telegram)
        app.add_service(telegram)
    if settings.slack_bot_token:
        from handlers.slack.adapter import SlackAdapter

        slack = SlackAdapter(settings)
        app.add_transport(slack)
        app.add_service(slack)
    if settings.console or not app.transports:
        if not app.transports:
            log.warning("no TELEGRAM_BOT_TOKEN or SLACK_BOT_TOKEN: using the console transport (stdout)")
        app.add_transport(ConsoleTransport(out=sys.stdout))
    return app
