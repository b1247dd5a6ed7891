"""Every setting, read from the environment or `.env` (see .env.example)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field(default="sqlite:///familyteam.db", validation_alias="DATABASE_URL")
    secret: str | None = Field(default=None, validation_alias="FAMILYTEAM_SECRET")
    http_host: str = Field(default="127.0.0.1", validation_alias="FAMILYTEAM_HTTP_HOST")
    http_port: int = Field(default=8080, validation_alias="FAMILYTEAM_HTTP_PORT")
    sweep_seconds: float = Field(default=30.0, validation_alias="FAMILYTEAM_SWEEP_SECONDS")
    dispatch_seconds: float = Field(default=2.0, validation_alias="FAMILYTEAM_DISPATCH_SECONDS")
    default_language: str = Field(default="en", validation_alias="FAMILYTEAM_DEFAULT_LANGUAGE")
    invite_ttl_hours: int = Field(default=168, validation_alias="FAMILYTEAM_INVITE_TTL_HOURS")
    schedule_horizon_hours: int = Field(default=48, validation_alias="FAMILYTEAM_SCHEDULE_HORIZON_HOURS")
    weekly_summary: str = Field(default="SU 18:00", validation_alias="FAMILYTEAM_WEEKLY_SUMMARY")
    meeting_reminders: str = Field("24h,2h", alias="FAMILYTEAM_MEETING_REMINDERS")
    max_send_attempts: int = Field(default=8, validation_alias="FAMILYTEAM_MAX_SEND_ATTEMPTS")
    retention_days: int = Field(default=365, ge=1, validation_alias="FAMILYTEAM_RETENTION_DAYS")
    duty: str | None = Field(default=None, validation_alias="FAMILYTEAM_DUTY")
    console: bool = Field(default=False, validation_alias="FAMILYTEAM_CONSOLE")
    log_level: str = Field(default="INFO", validation_alias="FAMILYTEAM_LOG_LEVEL")
    log_format: Literal["plain", "json"] = Field(default="plain", validation_alias="FAMILYTEAM_LOG_FORMAT")

    telegram_bot_token: str | None = Field(default=None, validation_alias="TELEGRAM_BOT_TOKEN")
    telegram_api_base_url: str | None = Field(default=None, validation_alias="TELEGRAM_API_BASE_URL")
    telegram_webhook_url: str | None = Field(default=None, validation_alias="TELEGRAM_WEBHOOK_URL")
    telegram_webhook_secret: str | None = Field(default=None, validation_alias="TELEGRAM_WEBHOOK_SECRET")

    slack_bot_token: str | None = Field(default=None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: str | None = Field(default=None, validation_alias="SLACK_SIGNING_SECRET")
    slack_app_token: str | None = Field(default=None, validation_alias="SLACK_APP_TOKEN")
    slack_api_url: str | None = Field(default=None, validation_alias="SLACK_API_URL")

    @property
    def reminder_offsets_minutes(self) -> list[int]:
        from bot.domain.durations import parse_duration_minutes

        return sorted({parse_duration_minutes(p) for p in self.meeting_reminders.split(",") if p.strip()},
                      reverse=True)
