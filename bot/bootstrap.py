"""The composition root: the only module that knows the concrete adapters. Everything that needs a
running FamilyTeam (`familyteam run`, the CLI, the console, the demo, the scenario kit, tests and
benchmarks) gets it from `build`."""

from __future__ import annotations

import asyncio
import logging
import secrets
import sys
from collections.abc import Iterable
from typing import TextIO

from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from bot.app import App
from bot.clock import Clock, SystemClock
from bot.ports import ChatRecorder, Inbound, InviteLinks, Transport
from bot.settings import Settings, reveal
from storage import crypto
from storage.db import Database
from storage.migrate import code_head, upgrade
from storage.models import KeyValue

log = logging.getLogger(__name__)


class SchemaOutOfDate(RuntimeError):
    pass


def migrate(db: Database) -> None:
    """The explicit migration step. SQLite (the embedded default) is created and upgraded here; other
    databases must be upgraded with `familyteam db upgrade`, so several instances never race a migration."""
    head = code_head()
    if current_revision(db) == head:
        return
    with db.engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    if current == head:
        return
    if db.dialect == "sqlite":
        upgrade(db.engine)
        return
    raise SchemaOutOfDate(f"database schema is at {current or 'nothing'}, code needs {head}: "
                          "run `familyteam db upgrade`")


def current_revision(db: Database) -> str | None:
    """The database's schema revision, read cheaply (None if it has none yet)."""
    try:
        with db.engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except DBAPIError:
        return None


def load_secret(db: Database, configured: str | None) -> bytes:
    """FAMILYTEAM_SECRET if set; else one generated on first run and kept in the database."""
    if configured:
        return configured.encode()
    with db.session() as s:
        row = s.get(KeyValue, "button_secret")
        if row is not None:
            return row.value.encode()
    try:
        with db.session() as s:
            s.add(KeyValue(key="button_secret", value=secrets.token_hex(32)))
    except IntegrityError:
        pass  # another instance made it first
    with db.session() as s:
        return s.get_one(KeyValue, "button_secret").value.encode()


def use_data_keys(db: Database, configured: list[str]) -> None:
    """Give the database its data keys (storage.crypto): FAMILYTEAM_DATA_KEYS, then the key kept in the
    database; without configured keys (SQLite: settings refuse production without them) one is generated once
    and kept in the database."""
    try:
        with db.engine.begin() as conn:
            keys = crypto.database_keys(conn, configured)
    except IntegrityError:  # another instance stored its key first: take that one
        with db.engine.begin() as conn:
            keys = crypto.database_keys(conn, configured)
    crypto.register(db.engine, keys)


def console_transport(out: TextIO | None = None) -> ChatRecorder:
    """The in-process transport that keeps every chat's conversation (tests, demo, scenario kit)."""
    from handlers.console.transport import ConsoleTransport

    return ConsoleTransport(out=out)


def build(settings: Settings, *, clock: Clock | None = None, db: Database | None = None,
          transports: Iterable[Transport] | None = None, run_migrations: bool = True) -> App:
    """settings -> database (migrated) -> secret -> app (engine, dispatcher, router) -> transports.

    `transports=None` takes them from the settings (Telegram and Slack when their tokens are set, the
    console otherwise); tests and the demo pass their own."""
    _register_address_rules()
    db = db or Database(settings.database_url)
    if settings.data_key_list:
        crypto.register(db.engine, settings.data_key_list)  # the migration that encrypts uses them
    if run_migrations:
        migrate(db)
    use_data_keys(db, settings.data_key_list)
    app = App(settings, clock or SystemClock(), db, load_secret(db, reveal(settings.secret)))
    if transports is not None:
        for transport in transports:
            app.add_transport(transport)
        return app
    _add_platforms(app, settings)
    return app


def _register_address_rules() -> None:
    from bot.services.people import register_address_rule
    from handlers.telegram.addresses import contact_problem

    register_address_rule("telegram", contact_problem)


def _add_platforms(app: App, settings: Settings) -> None:
    links: InviteLinks | None = None
    if settings.telegram_bot_token:
        from handlers.telegram.adapter import TelegramAdapter

        telegram = TelegramAdapter(settings, sink=app.handle)
        links = telegram
        app.add_transport(telegram)
        app.add_service(telegram)
    if settings.slack_bot_token:
        from handlers.slack.adapter import SlackAdapter

        slack = SlackAdapter(settings, sink=app.handle, staff=app.staff, invite_links=links)
        app.add_transport(slack)
        app.add_service(slack)
    if settings.console or not app.transports:
        if not app.transports:
            log.warning("no TELEGRAM_BOT_TOKEN or SLACK_BOT_TOKEN: using the console transport (stdout)")
        app.add_transport(console_transport(out=sys.stdout))
    if settings.sms_on:  # the second channel for alerts nobody acknowledged
        from handlers.sms.transport import TwilioSms

        app.add_transport(TwilioSms(settings))
    if settings.call_on:  # and a voice call to the duty phone (FAMILYTEAM_DUTY_CALL), which can take the alert
        from handlers.sms.voice import TwilioVoice

        voice = TwilioVoice(settings, sink=app.handle)
        app.add_transport(voice)
        if settings.twilio_voice_webhook_url:
            app.add_service(voice)


def invite_links(settings: Settings) -> InviteLinks | None:
    """Telegram deep links for invite codes, when Telegram is configured."""
    if not settings.telegram_bot_token:
        return None
    from handlers.telegram.links import TelegramInviteLinks

    return TelegramInviteLinks(settings)


def run_console(settings: Settings, address: str) -> None:
    """`familyteam console --as console:NAME`: chat in this terminal through the app built here, with the
    app's own scheduler (the console runs no second one)."""
    from handlers.console.repl import NumberedConsole, console_chat, read_lines

    chat = console_chat(address)

    async def session() -> None:
        console = NumberedConsole(chat)
        app = build(settings, transports=[console])
        scheduler = app.scheduler()
        scheduler.start()

        async def sink(event: Inbound) -> None:
            await app.handle(event)
            await app.dispatcher.dispatch_once()

        try:
            await read_lines(chat, console, sink)
        finally:
            scheduler.shutdown(wait=False)
            app.db.dispose()

    asyncio.run(session())
