"""`familyteam check`: is this configuration ready to run? Settings, the database and its migration state,
the platform tokens (Telegram getMe, Slack auth.test against the configured API URLs), the Telegram webhook
(getWebhookInfo names TELEGRAM_WEBHOOK_URL), the duty phone's texts and calls, and who cannot be reached
because their platform is off.
Every problem is printed with its fix; exit 0 when there is none, 1 otherwise. Secrets are never printed."""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from pydantic import ValidationError
from sqlalchemy import text

from bot.settings import Settings, reveal, settings_problems

TIMEOUT = aiohttp.ClientTimeout(total=15)
TELEGRAM_API = "https://api.telegram.org"
SLACK_API = "https://slack.com/api/"
TOKEN_SETTING = {"telegram": "TELEGRAM_BOT_TOKEN", "slack": "SLACK_BOT_TOKEN"}


@dataclass
class Finding:
    ok: bool
    what: str
    fix: str = ""


class Report:
    def __init__(self) -> None:
        self.findings: list[Finding] = []

    def ok(self, what: str) -> None:
        self.findings.append(Finding(True, what))

    def problem(self, what: str, fix: str) -> None:
        self.findings.append(Finding(False, what, fix))

    @property
    def problems(self) -> list[Finding]:
        return [f for f in self.findings if not f.ok]


# --- settings and database ---------------------------------------------------------------------------

def check_settings(report: Report) -> Settings | None:
    try:
        settings = Settings()
    except ValidationError as exc:
        for line in settings_problems(exc):
            report.problem(line, "correct it in .env or the environment (see .env.example)")
        return None
    report.ok("settings are valid")
    return settings


def check_database(report: Report, settings: Settings) -> Any:
    """The database if it answers and its schema is the code's; None otherwise."""
    from storage.db import Database, sqlite_path

    path = sqlite_path(settings.database_url)
    if path is not None and not path.exists():
        report.problem(f"no database file at {path}", "create it with `familyteam db upgrade`")
        return None
    db = Database(settings.database_url)
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any driver error: the database is not there for us
        report.problem(f"the database does not answer ({type(exc).__name__})",
                       "check DATABASE_URL (host, port, user, password, database name) and that the server runs")
        db.dispose()
        return None
    report.ok(f"the database answers ({db.dialect})")
    return db if check_schema(report, db) else None


def check_schema(report: Report, db: Any) -> bool:
    from bot.bootstrap import current_revision
    from storage.migrate import code_head

    current, head = current_revision(db), code_head()
    if current != head:
        report.problem(f"the database schema is at {current or 'nothing'}, this version needs {head}",
                       "run `familyteam db upgrade` (after a backup; see docs/operations.md)")
        return False
    report.ok(f"the database schema is up to date ({head})")
    return True


# --- platforms ---------------------------------------------------------------------------------------

async def _call(session: aiohttp.ClientSession, method: str, url: str, **kw: Any) -> tuple[int, dict[str, Any]]:
    async with session.request(method, url, **kw) as response:
        try:
            body = await response.json(content_type=None)
        except (ValueError, aiohttp.ContentTypeError):
            body = {}
        return response.status, body if isinstance(body, dict) else {}


async def check_telegram(report: Report, settings: Settings, session: aiohttp.ClientSession) -> None:
    token = reveal(settings.telegram_bot_token)
    if token is None:
        return
    base = (settings.telegram_api_base_url or TELEGRAM_API).rstrip("/")
    try:
        status, body = await _call(session, "GET", f"{base}/bot{token}/getMe")
    except (aiohttp.ClientError, TimeoutError) as exc:
        report.problem(f"Telegram's Bot API at {base} does not answer ({type(exc).__name__})",
                       "check the network, or TELEGRAM_API_BASE_URL if you run your own Bot API server")
        return
    if status == 401 or not body.get("ok"):
        report.problem(f"Telegram refuses TELEGRAM_BOT_TOKEN ({status} {body.get('description', '')})".rstrip(),
                       "copy the token from @BotFather again (/token); if it was revoked, set the new one")
        return
    report.ok(f"Telegram accepts the token (bot @{body.get('result', {}).get('username', '?')})")
    if settings.telegram_webhook_url:
        await check_webhook(report, settings, session, f"{base}/bot{token}")


async def check_webhook(report: Report, settings: Settings, session: aiohttp.ClientSession, api: str) -> None:
    wanted = settings.telegram_webhook_url or ""
    parts = urlsplit(wanted)
    if parts.scheme != "https" and parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        report.problem(f"TELEGRAM_WEBHOOK_URL={wanted!r} is not HTTPS", "Telegram delivers webhooks over HTTPS "
                       "only: put the bot behind a TLS proxy and use its https:// address")
    try:
        _, body = await _call(session, "GET", f"{api}/getWebhookInfo")
    except (aiohttp.ClientError, TimeoutError) as exc:
        report.problem(f"getWebhookInfo failed ({type(exc).__name__})", "check the network and try again")
        return
    info = body.get("result") or {}
    actual = info.get("url") or ""
    if actual != wanted:
        report.problem(f"Telegram sends updates to {actual or 'no webhook (polling)'!r}, not to "
                       f"TELEGRAM_WEBHOOK_URL={wanted!r}",
                       "start `familyteam run` (it registers the webhook); make sure no other program uses "
                       "this bot token")
    elif info.get("last_error_message"):
        report.problem(f"Telegram cannot deliver to the webhook: {info['last_error_message']}",
                       "make TELEGRAM_WEBHOOK_URL reachable from the internet and forwarded to "
                       "FAMILYTEAM_HTTP_HOST:FAMILYTEAM_HTTP_PORT (see /healthz)")
    else:
        report.ok("Telegram delivers updates to TELEGRAM_WEBHOOK_URL")


async def check_slack(report: Report, settings: Settings, session: aiohttp.ClientSession) -> None:
    token = reveal(settings.slack_bot_token)
    if token is None:
        return
    if settings.slack_app_token is None and settings.slack_signing_secret is None:
        report.problem("Slack is on in HTTP mode without SLACK_SIGNING_SECRET",
                       "set SLACK_SIGNING_SECRET (Basic Information > App Credentials), or SLACK_APP_TOKEN for "
                       "Socket Mode")
    base = settings.slack_api_url or SLACK_API
    base = base if base.endswith("/") else base + "/"
    try:
        _, body = await _call(session, "POST", f"{base}auth.test", headers={"Authorization": f"Bearer {token}"})
    except (aiohttp.ClientError, TimeoutError) as exc:
        report.problem(f"Slack's Web API at {base} does not answer ({type(exc).__name__})",
                       "check the network, or SLACK_API_URL (e.g. https://slack-gov.com/api/ for GovSlack)")
        return
    if not body.get("ok"):
        report.problem(f"Slack refuses SLACK_BOT_TOKEN ({body.get('error', 'no answer')})",
                       "copy the Bot User OAuth Token (xoxb-...) from OAuth & Permissions again; reinstall the "
                       "app if it was revoked")
        return
    report.ok(f"Slack accepts the token (team {body.get('team', '?')}, bot user {body.get('user_id', '?')})")


# --- who cannot be reached ---------------------------------------------------------------------------

def check_reach(report: Report, settings: Settings, db: Any) -> None:
    from bot.services.reach import platforms_off, platforms_on, unreachable

    off = platforms_off(settings)
    people = db.call(lambda s: unreachable(s, platforms_on(settings)))
    if settings.duty and settings.duty.partition(":")[0] not in platforms_on(settings):
        report.problem(f"FAMILYTEAM_DUTY={settings.duty!r} is on a platform that is off",
                       f"set {TOKEN_SETTING.get(settings.duty.partition(':')[0], 'its token')} or choose a "
                       "duty contact on a platform that is on")
    for person in people:
        where = ", ".join(person.platforms) or "no chat at all"
        fix = " or ".join(TOKEN_SETTING[p] for p in person.platforms if p in TOKEN_SETTING)
        who = "staff" if person.staff else "member"
        report.problem(f"{person.name} in family {person.family_id} ({who}, membership {person.membership_id}) "
                       f"cannot be reached: their chats are on {where}",
                       f"set {fix}" if fix else "invite them again on a platform that is on")
    if not people:
        report.ok("everyone can be reached" + (f" (off: {', '.join(off)})" if off else ""))


def check_second_channel(report: Report, settings: Settings) -> None:
    """The duty phone: texts, calls, and whether a call can be answered with a key."""
    if settings.twilio_voice_webhook_url and not settings.call_on:
        report.problem("TWILIO_VOICE_WEBHOOK_URL is set but the duty phone is never rung, so nothing uses it",
                       "set FAMILYTEAM_DUTY_CALL=true (with FAMILYTEAM_DUTY_PHONE and the Twilio settings), or "
                       "remove TWILIO_VOICE_WEBHOOK_URL")
    if not settings.sms_on:
        return
    report.ok("alerts nobody takes are texted to the duty phone")
    if settings.call_on and settings.twilio_voice_webhook_url:
        report.ok(f"the duty phone is rung too, and takes an alert by pressing 1 (Twilio requests "
                  f"{urlsplit(settings.twilio_voice_webhook_url).path})")
    elif settings.call_on:
        report.ok("the duty phone is rung too; the call only speaks (TWILIO_VOICE_WEBHOOK_URL lets it press 1 "
                  "to take the alert)")


# --- the command -------------------------------------------------------------------------------------

async def _platforms(report: Report, settings: Settings) -> None:
    async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
        await check_telegram(report, settings, session)
        await check_slack(report, settings, session)


def run_checks(report: Report) -> None:
    settings = check_settings(report)
    if settings is None:
        return
    db = check_database(report, settings)
    asyncio.run(_platforms(report, settings))
    check_second_channel(report, settings)
    if db is not None:
        try:
            check_reach(report, settings, db)
        finally:
            db.dispose()


def print_report(report: Report, as_json: bool, write: Callable[[str], None] = print) -> None:
    if as_json:
        write(json.dumps({"ok": not report.problems, "findings": [asdict(f) for f in report.findings]}, indent=2))
        return
    for finding in report.findings:
        write(f"ok       {finding.what}" if finding.ok else f"PROBLEM  {finding.what}\n         fix: {finding.fix}")
    count = len(report.problems)
    write("All good." if not count else f"{count} problem{'s' if count > 1 else ''} found.")


def cmd_check(args: argparse.Namespace) -> int:
    report = Report()
    run_checks(report)
    print_report(report, bool(getattr(args, "json", False)))
    return 1 if report.problems else 0
