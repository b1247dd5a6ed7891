"""The Telegram adapter: python-telegram-bot v22 behind the platform-neutral Transport interface."""
