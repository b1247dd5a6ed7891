"""`familyteam check` against the loopback fakes of Telegram's and Slack's APIs: a good configuration exits 0;
a broken one names every problem with its fix and exits 1. `familyteam run`'s start-up line says who cannot be
reached, by ids only."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.cli import main
from bot.services.reach import log_unreachable
from bot.settings import Settings
from storage.db import Database
from storage.migrate import upgrade
from tests.support.fake_slack import BOT_TOKEN, SIGNING_SECRET, FakeSlack
from tests.support.fake_telegram import TOKEN, FakeTelegram
from tests.unit.test_settings import env_names

HOOK = "https://bot.example.org/telegram/updates"


class Env:
    def __init__(self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, tg: FakeTelegram, slack: FakeSlack) -> None:
        self.mp, self.tg, self.slack = monkeypatch, tg, slack
        self.db_url = f"sqlite:///{tmp_path / 'check.db'}"
        monkeypatch.chdir(tmp_path)
        for name in env_names():
            monkeypatch.delenv(name, raising=False)
        self.set(DATABASE_URL=self.db_url, FAMILYTEAM_SECRET="check-test-secret")

    def set(self, **env: str) -> None:
        for name, value in env.items():
            self.mp.setenv(name, value)

    def telegram_on(self, token: str = TOKEN) -> None:
        self.set(TELEGRAM_BOT_TOKEN=token, TELEGRAM_API_BASE_URL=self.tg.url, TELEGRAM_WEBHOOK_URL=HOOK,
                 TELEGRAM_WEBHOOK_SECRET="hook-Secret_1")

    def slack_on(self) -> None:
        self.set(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=self.slack.url)

    async def run(self, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
        capsys.readouterr()
        code = await asyncio.to_thread(main, list(argv))  # check runs its own event loop
        out, err = capsys.readouterr()
        return code, out + err


@pytest.fixture
async def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> AsyncIterator[Env]:
    tg, slack = FakeTelegram(), FakeSlack()
    await tg.start()
    await slack.start()
    try:
        yield Env(monkeypatch, tmp_path, tg, slack)
    finally:
        await tg.stop()
        await slack.close()


async def test_a_good_configuration_passes(env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    env.telegram_on()
    env.slack_on()
    assert (await env.run(capsys, "db", "upgrade"))[0] == 0
    env.tg.webhook = {"url": HOOK, "secret_token": "hook-Secret_1"}  # as `familyteam run` registers it
    code, out = await env.run(capsys, "check")
    assert code == 0, out
    assert "PROBLEM" not in out and out.rstrip().endswith("All good.")
    for seen in ("Telegram accepts the token (bot @", "Telegram delivers updates to TELEGRAM_WEBHOOK_URL",
                 "Slack accepts the token (team Fake", "the database schema is up to date", "everyone can be reached"):
        assert seen in out
    assert [c.method for c in env.tg.calls] == ["getMe", "getWebhookInfo"]
    assert env.slack.called("auth.test")


async def test_a_broken_configuration_names_every_problem_with_its_fix(env: Env,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    env.telegram_on(token="999:revoked-token")
    env.slack_on()
    env.slack.fail("auth.test", "invalid_auth")
    upgrade(Database(env.db_url).engine, "0001")  # an older release's schema
    code, out = await env.run(capsys, "check")
    assert code == 1
    assert "PROBLEM  the database schema is at 0001" in out and "fix: run `familyteam db upgrade`" in out
    assert "PROBLEM  Telegram refuses TELEGRAM_BOT_TOKEN (401 Unauthorized)" in out
    assert "fix: copy the token from @BotFather again" in out
    assert "PROBLEM  Slack refuses SLACK_BOT_TOKEN (invalid_auth)" in out
    assert "fix: copy the Bot User OAuth Token" in out
    assert out.rstrip().endswith("3 problems found.")
    assert "999:revoked-token" not in out and BOT_TOKEN not in out, "no token is ever printed"


async def test_platforms_off_and_a_webhook_elsewhere(env: Env, capsys: pytest.CaptureFixture[str],
                                                     caplog: pytest.LogCaptureFixture) -> None:
    env.telegram_on()  # Slack is off
    assert (await env.run(capsys, "db", "upgrade"))[0] == 0
    code, _ = await env.run(capsys, "family", "create", "--alias", "the Rowan family", "--timezone", "Europe/London",
                            "--caseworker", "slack:U024BE7LH", "--caseworker-name", "Sam Okafor")
    assert code == 0
    env.tg.webhook = {"url": "https://old.example.org/hook"}
    code, out = await env.run(capsys, "check")
    assert code == 1
    assert ("Sam Okafor (caseworker) in family 1 (staff, membership 1) cannot be reached: their chats are on slack"
            in out)
    assert "fix: set SLACK_BOT_TOKEN" in out
    assert f"Telegram sends updates to 'https://old.example.org/hook', not to TELEGRAM_WEBHOOK_URL='{HOOK}'" in out
    assert "fix: start `familyteam run` (it registers the webhook)" in out

    # `familyteam run` says the same at start, by ids.
    db = Database(env.db_url)
    with caplog.at_level(logging.INFO, logger="bot.services.reach"):
        found = db.call(lambda s: log_unreachable(s, Settings()))
    db.dispose()
    assert (found.staff, found.members, found.staff_ids, found.member_ids) == (1, 0, [1], [])
    assert "platforms off: slack; cannot be reached: 1 staff (memberships [1]), 0 members" in caplog.text
    assert "Sam" not in caplog.text


async def test_bad_settings_are_problems_too(env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    env.set(FAMILYTEAM_WEEKLY_SUMMARY="Sunday", SLACK_BOT_TOKEN="wrong")
    code, out = await env.run(capsys, "check")
    assert code == 1
    assert "PROBLEM  FAMILYTEAM_WEEKLY_SUMMARY='Sunday' is not valid: expected a weekday" in out
    assert "PROBLEM  SLACK_BOT_TOKEN (value hidden) is not valid" in out and "wrong" not in out
    assert "fix: correct it in .env or the environment (see .env.example)" in out


async def test_the_duty_phone_is_described_and_a_key_press_url_without_calls_is_a_problem(
        env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    assert (await env.run(capsys, "db", "upgrade"))[0] == 0
    twilio = {"TWILIO_ACCOUNT_SID": "AC" + "0123456789abcdef" * 2, "TWILIO_AUTH_TOKEN": "twilio-token",
              "TWILIO_FROM": "+15005550006", "FAMILYTEAM_DUTY_PHONE": "+447700900123"}
    env.set(**twilio, FAMILYTEAM_DUTY_CALL="true", TWILIO_VOICE_WEBHOOK_URL="https://bot.example.org/twilio/voice")
    code, out = await env.run(capsys, "check")
    assert "alerts nobody takes are texted to the duty phone" in out
    assert "takes an alert by pressing 1 (Twilio requests /twilio/voice)" in out and "PROBLEM" not in out, out
    env.set(FAMILYTEAM_DUTY_CALL="false")
    code, out = await env.run(capsys, "check")
    assert code == 1 and "PROBLEM  TWILIO_VOICE_WEBHOOK_URL is set but the duty phone is never rung" in out
    assert "twilio-token" not in out, "no secret is ever printed"
