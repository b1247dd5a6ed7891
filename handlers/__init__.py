"""Platform adapters: console, Telegram, Slack. Each sends and edits messages and feeds inbound events."""
