"""Which Telegram chat ids can be a person's contact: a private chat's id is the user's (positive); groups,
supergroups and channels have negative ids and never receive anything about a family."""

from __future__ import annotations


def contact_problem(external_id: str) -> str | None:
    """Why this Telegram chat cannot be a person's contact, or None if it can (bot.ports.AddressRule)."""
    if external_id.strip().startswith("-"):
        return "a Telegram group or channel cannot be a contact: use a person's chat id"
    return None
