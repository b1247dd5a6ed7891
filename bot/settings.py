"""Every setting, read from the environment or `.env` (see .env.example), each validated when the process
starts: a bad value stops start-up (exit code 2) with one line naming the setting by its environment name,
the value (never for a secret) and what is expected (`settings_problems`). Tokens and secrets are
`SecretStr`: they print as `**********`; code that needs one calls `.get_secret_value()`."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.domain.durations import parse_duration_minutes
from bot.domain.schedule import WEEKDAYS, parse_hhmm
from messages.catalog import SUPPORTED_LANGUAGES
from storage.crypto import valid_key

SECRET_SETTINGS = ("FAMILYTEAM_SECRET", "FAMILYTEAM_DATA_KEYS", "TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET",
                   "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "TWILIO_AUTH_TOKEN")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_OPTIONAL = ("secret", "data_keys", "duty", "telegram_bot_token", "telegram_api_base_url", "telegram_webhook_url",
             "telegram_webhook_secret", "slack_bot_token", "slack_signing_secret", "slack_app_token", "slack_api_url",
             "duty_phone", "twilio_account_sid", "twilio_auth_token", "twilio_from", "twilio_api_base_url",
             "twilio_voice_webhook_url")
_URL = re.compile(r"^https?://[^\s/:?#]+(:\d{1,5})?(/\S*)?$", re.IGNORECASE)
_ADDRESS = re.compile(r"^[a-z]{2,16}:[^\s:]{1,64}$")
_TELEGRAM_TOKEN = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
_WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_DB_SCHEMES = ("sqlite", "postgresql")
_PHONE = re.compile(r"^\+[1-9]\d{6,14}$")  # E.164
_TWILIO_SID = re.compile(r"^AC[0-9a-fA-F]{32}$")
_TWILIO_FROM = re.compile(r"^(\+[1-9]\d{6,14}|MG[0-9a-fA-F]{32})$")


def reveal(value: SecretStr | None) -> str | None:
    """A secret setting's value, or None when it is not set."""
    return value.get_secret_value() if value is not None else None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field(default="sqlite:///familyteam.db", validation_alias="DATABASE_URL")
    secret: SecretStr | None = Field(default=None, validation_alias="FAMILYTEAM_SECRET")
    env: Literal["development", "production"] = Field(default="development", validation_alias="FAMILYTEAM_ENV")
    # Fernet keys for data at rest, comma-separated, newest first (storage.crypto); required in production.
    data_keys: SecretStr | None = Field(default=None, validation_alias="FAMILYTEAM_DATA_KEYS",
                                        validate_default=True)
    http_host: str = Field(default="127.0.0.1", validation_alias="FAMILYTEAM_HTTP_HOST")
    http_port: int = Field(default=8080, validation_alias="FAMILYTEAM_HTTP_PORT", ge=0, le=65535)
    sweep_seconds: float = Field(default=30.0, validation_alias="FAMILYTEAM_SWEEP_SECONDS", gt=0)
    held_dir: str = Field(default="familyteam-held", validation_alias="FAMILYTEAM_HELD_DIR")
    engine_workers: int = Field(default=2, ge=1, le=16, validation_alias="FAMILYTEAM_ENGINE_WORKERS")
    dispatch_seconds: float = Field(default=2.0, validation_alias="FAMILYTEAM_DISPATCH_SECONDS", gt=0)
    default_language: str = Field(default="en", validation_alias="FAMILYTEAM_DEFAULT_LANGUAGE")
    invite_ttl_hours: int = Field(default=168, validation_alias="FAMILYTEAM_INVITE_TTL_HOURS", gt=0)
    invite_guesses_per_window: int = Field(default=50, validation_alias="FAMILYTEAM_INVITE_GUESSES_PER_WINDOW",
                                           gt=0, le=100_000)
    schedule_horizon_hours: int = Field(default=48, validation_alias="FAMILYTEAM_SCHEDULE_HORIZON_HOURS", gt=0)
    weekly_summary: str = Field(default="SU 18:00", validation_alias="FAMILYTEAM_WEEKLY_SUMMARY")
    meeting_reminders: str = Field("24h,2h", alias="FAMILYTEAM_MEETING_REMINDERS")
    max_send_attempts: int = Field(default=8, validation_alias="FAMILYTEAM_MAX_SEND_ATTEMPTS", gt=0)
    retention_days: int = Field(default=365, ge=1, validation_alias="FAMILYTEAM_RETENTION_DAYS")
    duty: str | None = Field(default=None, validation_alias="FAMILYTEAM_DUTY")
    alert_repeat_minutes: int = Field(default=15, ge=1, le=24 * 60, validation_alias="FAMILYTEAM_ALERT_REPEAT_MINUTES")
    alert_loops: int = Field(default=0, ge=0, le=1000, validation_alias="FAMILYTEAM_ALERT_LOOPS")
    duty_phone: str | None = Field(default=None, validation_alias="FAMILYTEAM_DUTY_PHONE")
    console: bool = Field(default=False, validation_alias="FAMILYTEAM_CONSOLE")
    log_level: str = Field(default="INFO", validation_alias="FAMILYTEAM_LOG_LEVEL")
    log_format: Literal["plain", "json"] = Field(default="plain", validation_alias="FAMILYTEAM_LOG_FORMAT")

    telegram_bot_token: SecretStr | None = Field(default=None, validation_alias="TELEGRAM_BOT_TOKEN")
    telegram_api_base_url: str | None = Field(default=None, validation_alias="TELEGRAM_API_BASE_URL")
    telegram_webhook_url: str | None = Field(default=None, validation_alias="TELEGRAM_WEBHOOK_URL")
    telegram_webhook_secret: SecretStr | None = Field(default=None, validation_alias="TELEGRAM_WEBHOOK_SECRET")

    slack_bot_token: SecretStr | None = Field(default=None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(default=None, validation_alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(default=None, validation_alias="SLACK_APP_TOKEN")
    slack_api_url: str | None = Field(default=None, validation_alias="SLACK_API_URL")

    twilio_account_sid: str | None = Field(default=None, validation_alias="TWILIO_ACCOUNT_SID")
    twilio_auth_token: SecretStr | None = Field(default=None, validation_alias="TWILIO_AUTH_TOKEN")
    twilio_from: str | None = Field(default=None, validation_alias="TWILIO_FROM")
    twilio_api_base_url: str | None = Field(default=None, validation_alias="TWILIO_API_BASE_URL")
    twilio_voice_webhook_url: str | None = Field(default=None, validation_alias="TWILIO_VOICE_WEBHOOK_URL")
    # After the Twilio settings and the duty phone: its check reads them.
    duty_call: bool = Field(default=False, validation_alias="FAMILYTEAM_DUTY_CALL")

    # --- validation: each error message says what is expected (settings_problems adds name and value) ---

    @field_validator(*_OPTIONAL, mode="before")
    @classmethod
    def _empty_is_unset(cls, value: Any) -> Any:
        """`TELEGRAM_BOT_TOKEN=` (as in .env.example) means not set."""
        if isinstance(value, str | SecretStr) and not _plain(value).strip():
            return None
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        scheme = value.partition("://")[0].partition("+")[0].lower()
        if "://" not in value or scheme not in _DB_SCHEMES:
            raise ValueError("a database URL, e.g. sqlite:///familyteam.db or "
                             "postgresql+psycopg://familyteam:PASSWORD@db:5432/familyteam")
        return value

    @field_validator("data_keys")
    @classmethod
    def _data_keys(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if value is None:
            url = str(info.data.get("database_url", ""))
            if info.data.get("env") == "production" or url.lower().startswith("postgresql"):
                raise ValueError("data keys are required in production (FAMILYTEAM_ENV=production or a PostgreSQL "
                                 "DATABASE_URL): one or more Fernet keys, comma-separated, newest first; make one "
                                 "with `familyteam db new-key`")
            return None
        keys = [k.strip() for k in value.get_secret_value().split(",")]
        if not all(keys) or not all(valid_key(k) for k in keys):
            raise ValueError("Fernet keys (44 characters of URL-safe base64 each), comma-separated, newest first; "
                             "make one with `familyteam db new-key`")
        return SecretStr(",".join(keys))

    @field_validator("http_host")
    @classmethod
    def _host(cls, value: str) -> str:
        if not value.strip() or any(c.isspace() for c in value):
            raise ValueError("a host name or address to listen on, e.g. 127.0.0.1 or 0.0.0.0")
        return value

    @field_validator("default_language")
    @classmethod
    def _language(cls, value: str) -> str:
        if value.strip().lower() not in SUPPORTED_LANGUAGES:
            raise ValueError(f"one of the shipped languages: {', '.join(SUPPORTED_LANGUAGES)}")
        return value.strip().lower()

    @field_validator("weekly_summary")
    @classmethod
    def _weekly(cls, value: str) -> str:
        day, _, hhmm = value.strip().partition(" ")
        try:
            at = parse_hhmm(hhmm)
        except ValueError:
            at = None
        if day.upper() not in WEEKDAYS or at is None:
            raise ValueError(f"a weekday ({' '.join(WEEKDAYS)}) and a time HH:MM, e.g. SU 18:00")
        return f"{day.upper()} {at:%H:%M}"

    @field_validator("meeting_reminders")
    @classmethod
    def _reminders(cls, value: str) -> str:
        try:
            [parse_duration_minutes(p) for p in value.split(",") if p.strip()]
        except ValueError:
            raise ValueError("durations separated by commas, e.g. 24h,2h (units d, h, m; empty for none)") from None
        return value

    @field_validator("duty")
    @classmethod
    def _duty(cls, value: str | None) -> str | None:
        if value is not None and not _ADDRESS.match(value.strip()):
            raise ValueError("PLATFORM:ID, e.g. slack:U0DUTY123")
        return value.strip() if value else value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        if value.strip().upper() not in LOG_LEVELS:
            raise ValueError(f"one of {', '.join(LOG_LEVELS)}")
        return value.strip().upper()

    @field_validator("duty_phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value is not None and not _PHONE.match(value.strip()):
            raise ValueError("a phone number in international form, + and digits, e.g. +447700900123")
        return value.strip() if value else value

    @field_validator("twilio_account_sid")
    @classmethod
    def _twilio_sid(cls, value: str | None) -> str | None:
        if value is not None and not _TWILIO_SID.match(value.strip()):
            raise ValueError("Twilio's Account SID, AC and 32 hexadecimal characters")
        return value.strip() if value else value

    @field_validator("twilio_from")
    @classmethod
    def _twilio_from(cls, value: str | None) -> str | None:
        if value is not None and not _TWILIO_FROM.match(value.strip()):
            raise ValueError("the Twilio number SMS come from (+ and digits) or a Messaging Service SID (MG...)")
        return value.strip() if value else value

    @field_validator("duty_call")
    @classmethod
    def _duty_call(cls, value: bool, info: ValidationInfo) -> bool:
        if not value:
            return value
        needed = ("duty_phone", "twilio_account_sid", "twilio_auth_token", "twilio_from")
        if not all(info.data.get(name) for name in needed):
            raise ValueError("false unless SMS to the duty phone is configured: a call needs FAMILYTEAM_DUTY_PHONE, "
                             "TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM (the same account and phone)")
        if str(info.data["twilio_from"]).startswith("MG"):
            raise ValueError("false unless TWILIO_FROM is a Twilio phone number (+ and digits): a Messaging Service "
                             "(MG...) cannot place calls")
        return value

    @field_validator("telegram_api_base_url", "telegram_webhook_url", "slack_api_url", "twilio_api_base_url",
                     "twilio_voice_webhook_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and not _URL.match(value.strip()):
            raise ValueError("an http(s) URL, e.g. https://bot.example.org/telegram")
        return value.strip() if value else value

    @field_validator("twilio_voice_webhook_url")
    @classmethod
    def _no_query(cls, value: str | None) -> str | None:
        if value and ("?" in value or "#" in value):
            raise ValueError("a URL without a query string or fragment: the bot adds its own query to it")
        return value

    @field_validator("secret", "slack_signing_secret", "twilio_auth_token")
    @classmethod
    def _secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and any(c.isspace() for c in value.get_secret_value()):
            raise ValueError("a secret without spaces or line breaks (check for a stray quote or newline)")
        return value

    @field_validator("telegram_bot_token")
    @classmethod
    def _telegram_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _TELEGRAM_TOKEN.match(value.get_secret_value()):
            raise ValueError("the token BotFather gave, NUMBER:LETTERS (e.g. 123456:ABC-def_GHI)")
        return value

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _WEBHOOK_SECRET.match(value.get_secret_value()):
            raise ValueError("1-256 characters A-Z, a-z, 0-9, _ and - (Telegram's rule for secret_token)")
        return value

    @field_validator("slack_bot_token")
    @classmethod
    def _slack_bot_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not re.match(r"^xox[bp]-\S+$", value.get_secret_value()):
            raise ValueError("Slack's bot token, xoxb-...")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _slack_app_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not re.match(r"^xapp-\S+$", value.get_secret_value()):
            raise ValueError("Slack's app-level token, xapp-...")
        return value

    # --- reading ------------------------------------------------------------------------------------

    @property
    def reminder_offsets_minutes(self) -> list[int]:
        return sorted({parse_duration_minutes(p) for p in self.meeting_reminders.split(",") if p.strip()},
                      reverse=True)

    @property
    def data_key_list(self) -> list[str]:
        """FAMILYTEAM_DATA_KEYS as a list, newest first (empty: not configured)."""
        keys = reveal(self.data_keys)
        return keys.split(",") if keys else []

    @property
    def sms_on(self) -> bool:
        """The second channel: an exhausted alert chain also goes by SMS to the duty phone (Twilio)."""
        return bool(self.twilio_account_sid and self.twilio_auth_token and self.twilio_from and self.duty_phone)

    @property
    def call_on(self) -> bool:
        """Each exhausted alert chain also rings the duty phone (FAMILYTEAM_DUTY_CALL, with SMS configured)."""
        return self.sms_on and self.duty_call

    def secret_values(self) -> list[str]:
        """Every configured secret's value (for the log redaction filter)."""
        values = (self.secret, self.telegram_bot_token, self.telegram_webhook_secret, self.slack_bot_token,
                  self.slack_signing_secret, self.slack_app_token, self.twilio_auth_token)
        return [*self.data_key_list, *(v for v in (reveal(s) for s in values) if v)]

    @property
    def platforms(self) -> list[str]:
        """The chat platforms this configuration turns on (a bot token each)."""
        return [name for name, token in (("telegram", self.telegram_bot_token), ("slack", self.slack_bot_token))
                if token is not None]


def _plain(value: str | SecretStr) -> str:
    return value.get_secret_value() if isinstance(value, SecretStr) else value


_PYDANTIC_EXPECTED = {
    "int_parsing": "a whole number", "int_from_float": "a whole number", "float_parsing": "a number",
    "bool_parsing": "true or false",
}


def _expected(error: Any) -> str:
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    if kind == "value_error":
        return str(ctx.get("error", error.get("msg", "")))
    if kind == "literal_error":
        return f"one of {ctx.get('expected', '')}".replace("'", "")
    if kind in ("greater_than", "greater_than_equal", "less_than_equal"):
        bounds = {"greater_than": f"a number above {ctx.get('gt')}",
                  "greater_than_equal": f"a number of at least {ctx.get('ge')}",
                  "less_than_equal": f"a number of at most {ctx.get('le')}"}
        return bounds[kind]
    return _PYDANTIC_EXPECTED.get(kind, str(error.get("msg", "")))


def _shown(name: str, value: Any) -> str:
    """The value as the line shows it: never a secret's, never a database password."""
    if name in SECRET_SETTINGS:
        return f"{name} (value hidden)"
    text = str(value)
    if name == "DATABASE_URL":
        text = re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", text)
    return f"{name}={text!r}"


def settings_problems(exc: ValidationError) -> list[str]:
    """One line per bad setting: its environment name, the value (hidden for secrets), what is expected."""
    lines = []
    for error in exc.errors():
        name = str(error["loc"][0]) if error.get("loc") else "settings"
        field = Settings.model_fields.get(name)  # a default checked (validate_default) is named by its field
        name = str(field.validation_alias) if field is not None and field.validation_alias else name
        lines.append(f"{_shown(name, error.get('input'))} is not valid: expected {_expected(error)}")
    return lines

