"""Strict settings: every bad value stops `familyteam` before it starts (exit 2) with one line naming the
setting by its environment name, its value (never a secret's) and what is expected; .env.example lists every
setting with a comment and is itself valid."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.cli import main
from bot.logs import secrets_of
from bot.settings import SECRET_SETTINGS, Settings, settings_problems

ROOT = Path(__file__).resolve().parents[2]


def env_names() -> list[str]:
    return [str(field.validation_alias or field.alias) for field in Settings.model_fields.values()]


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in env_names():
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


BAD = [
    ("FAMILYTEAM_WEEKLY_SUMMARY", "Sunday 6pm", "a weekday (MO TU WE TH FR SA SU) and a time HH:MM, e.g. SU 18:00"),
    ("FAMILYTEAM_WEEKLY_SUMMARY", "SU 25:00", "e.g. SU 18:00"),
    ("FAMILYTEAM_MEETING_REMINDERS", "24h,soon", "durations separated by commas, e.g. 24h,2h"),
    ("FAMILYTEAM_HTTP_PORT", "eighty", "a whole number"),
    ("FAMILYTEAM_HTTP_PORT", "70000", "a number of at most 65535"),
    ("FAMILYTEAM_HTTP_HOST", "my host", "a host name or address"),
    ("FAMILYTEAM_SWEEP_SECONDS", "0", "a number above 0"),
    ("FAMILYTEAM_DISPATCH_SECONDS", "soon", "a number"),
    ("FAMILYTEAM_MAX_SEND_ATTEMPTS", "-1", "a number above 0"),
    ("FAMILYTEAM_INVITE_TTL_HOURS", "1.5", "a whole number"),
    ("FAMILYTEAM_INVITE_GUESSES_PER_WINDOW", "0", "a number above 0"),
    ("FAMILYTEAM_DEFAULT_LANGUAGE", "fr", "one of the shipped languages: en, es"),
    ("TELEGRAM_WEBHOOK_URL", "bot.example.org/telegram", "an http(s) URL"),
    ("TELEGRAM_API_BASE_URL", "http://", "an http(s) URL"),
    ("SLACK_API_URL", "ftp://slack.example.org/api/", "an http(s) URL"),
    ("TWILIO_VOICE_WEBHOOK_URL", "https://bot.example.org/twilio/voice?k=1", "a URL without a query string"),
    ("DATABASE_URL", "mysql://familyteam@db/familyteam", "a database URL, e.g. sqlite:///familyteam.db"),
    ("FAMILYTEAM_DUTY", "the duty team", "PLATFORM:ID, e.g. slack:U0DUTY123"),
    ("FAMILYTEAM_LOG_LEVEL", "LOUD", "one of DEBUG, INFO, WARNING, ERROR, CRITICAL"),
    ("FAMILYTEAM_LOG_FORMAT", "xml", "plain or json"),
    ("FAMILYTEAM_CONSOLE", "maybe", "true or false"),
    ("FAMILYTEAM_DUTY_CALL", "true", "false unless SMS to the duty phone is configured: a call needs "
                                     "FAMILYTEAM_DUTY_PHONE, TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM"),
]
BAD_SECRETS = [
    ("FAMILYTEAM_SECRET", "two words-secret", "a secret without spaces"),
    ("TELEGRAM_BOT_TOKEN", "not-a-telegram-token", "NUMBER:LETTERS"),
    ("TELEGRAM_WEBHOOK_SECRET", "hook secret!", "1-256 characters A-Z, a-z, 0-9, _ and -"),
    ("SLACK_BOT_TOKEN", "xapp-1-wrong-kind", "Slack's bot token, xoxb-..."),
    ("SLACK_SIGNING_SECRET", "abc def-signing", "a secret without spaces"),
    ("SLACK_APP_TOKEN", "xoxb-wrong-kind", "Slack's app-level token, xapp-..."),
]


def run_with(env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], name: str, value: str
             ) -> tuple[int, str, str]:
    env.setenv(name, value)
    code = main(["status", "--family", "1"])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(("name", "value", "expected"), BAD, ids=[f"{n}={v}" for n, v, _ in BAD])
def test_a_bad_value_stops_start_up_with_one_line(clean_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                                  name: str, value: str, expected: str) -> None:
    code, out, err = run_with(clean_env, capsys, name, value)
    assert code == 2 and out == ""
    (line,) = err.strip().splitlines()
    assert line.startswith(f"error: {name}={value!r} is not valid: expected ")
    assert expected in line


@pytest.mark.parametrize(("name", "value", "expected"), BAD_SECRETS, ids=[n for n, _, _ in BAD_SECRETS])
def test_a_bad_secret_is_named_but_never_shown(clean_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                               name: str, value: str, expected: str) -> None:
    code, _out, err = run_with(clean_env, capsys, name, value)
    assert code == 2
    (line,) = err.strip().splitlines()
    assert line.startswith(f"error: {name} (value hidden) is not valid: expected ") and expected in line
    assert value not in err and value.split()[0] not in err


def test_a_database_password_is_never_shown(clean_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run_with(clean_env, capsys, "DATABASE_URL", "mysql://familyteam:hunter2@db/familyteam")
    assert code == 2 and "hunter2" not in err
    assert "DATABASE_URL='mysql://familyteam:***@db/familyteam' is not valid" in err


def test_every_bad_setting_gets_its_own_line(clean_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    clean_env.setenv("FAMILYTEAM_HTTP_PORT", "x")
    code, _out, err = run_with(clean_env, capsys, "FAMILYTEAM_WEEKLY_SUMMARY", "someday")
    assert code == 2
    assert [line.split()[1].split("=")[0] for line in err.strip().splitlines()] == [
        "FAMILYTEAM_HTTP_PORT", "FAMILYTEAM_WEEKLY_SUMMARY"]


def test_good_values_are_read_and_normalised(clean_env: pytest.MonkeyPatch) -> None:
    settings = Settings(FAMILYTEAM_WEEKLY_SUMMARY="su 6:05", FAMILYTEAM_LOG_LEVEL="debug", TELEGRAM_BOT_TOKEN="",
                        SLACK_BOT_TOKEN="xoxb-1-abcdef", SLACK_SIGNING_SECRET="signing-secret-1",
                        FAMILYTEAM_DEFAULT_LANGUAGE="ES", FAMILYTEAM_MEETING_REMINDERS="1d, 90m",
                        FAMILYTEAM_HTTP_PORT=0)
    assert settings.weekly_summary == "SU 06:05" and settings.log_level == "DEBUG"
    assert settings.telegram_bot_token is None, "an empty value (as .env.example has) is no token"
    assert settings.platforms == ["slack"] and settings.default_language == "es"
    assert settings.reminder_offsets_minutes == [1440, 90]
    shown = repr(settings) + str(settings.model_dump())
    assert "xoxb-1-abcdef" not in shown and "signing-secret-1" not in shown, "secrets print as **********"
    assert secrets_of(settings) == ["signing-secret-1", "xoxb-1-abcdef"]


def test_a_duty_call_needs_the_sms_set_up_and_a_number_to_call_from(clean_env: pytest.MonkeyPatch) -> None:
    twilio = {"TWILIO_ACCOUNT_SID": "AC" + "0" * 32, "TWILIO_AUTH_TOKEN": "token-1",
              "FAMILYTEAM_DUTY_PHONE": "+447700900123"}
    on = Settings(FAMILYTEAM_DUTY_CALL="true", TWILIO_FROM="+15005550006", **twilio)
    assert on.sms_on and on.call_on
    assert not Settings(TWILIO_FROM="+15005550006", **twilio).call_on, "off unless asked for"
    with pytest.raises(ValidationError) as refused:
        Settings(FAMILYTEAM_DUTY_CALL="true", TWILIO_FROM="MG" + "0" * 32, **twilio)
    assert settings_problems(refused.value) == [
        "FAMILYTEAM_DUTY_CALL='true' is not valid: expected false unless TWILIO_FROM is a Twilio phone number "
        "(+ and digits): a Messaging Service (MG...) cannot place calls"]
    with pytest.raises(ValidationError) as refused:
        Settings(FAMILYTEAM_DUTY_CALL="true", TWILIO_FROM="+15005550006", **{**twilio, "FAMILYTEAM_DUTY_PHONE": ""})
    assert "FAMILYTEAM_DUTY_CALL='true' is not valid: expected false unless SMS" in settings_problems(refused.value)[0]


def test_env_example_lists_every_setting_with_a_comment_and_is_valid(clean_env: pytest.MonkeyPatch) -> None:
    lines = (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
    values: dict[str, str] = {}
    for i, line in enumerate(lines):
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            assert lines[i - 1].startswith("# "), f"{name} has no comment above it"
            values[name] = value
    assert sorted(values) == sorted(env_names()), "every setting once, and nothing that is not a setting"
    for name, value in values.items():
        clean_env.setenv(name, value)
    Settings()  # the example as given is a valid configuration
    assert set(SECRET_SETTINGS) <= set(values)
