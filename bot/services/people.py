"""People and their chat identities ("telegram:123", "slack:U024BE7LH", "console:gran")."""

from __future__ import annotations

from sqlalchemy import select

from bot.services.context import Ctx
from bot.services.errors import InvalidInput
from storage.models import ChatIdentity, Person

PLATFORMS = ("console", "telegram", "slack")


def parse_address(address: str) -> tuple[str, str]:
    platform, sep, external = address.strip().partition(":")
    if not sep or platform.lower() not in PLATFORMS or not external.strip():
        raise InvalidInput("bad_address",
                           f"not a chat address: {address!r} (use telegram:ID, slack:USER or console:NAME)")
    if platform.lower() == "telegram" and external.strip().startswith("-"):
        raise InvalidInput("group_address", "a Telegram group or channel cannot be a contact: use a person's chat id")
    return platform.lower(), external.strip()


def identity_of(ctx: Ctx, platform: str, external_id: str) -> ChatIdentity | None:
    return ctx.s.scalar(select(ChatIdentity).where(ChatIdentity.platform == platform,
                                                   ChatIdentity.external_id == str(external_id)))


def ensure_person(ctx: Ctx, address: str, display_name: str | None = None) -> Person:
    """The person behind an address, created on first use."""
    platform, external = parse_address(address)
    identity = identity_of(ctx, platform, external)
    if identity is not None and identity.person_id is not None:
        person = ctx.s.get_one(Person, identity.person_id)
        if display_name and person.display_name != display_name:
            person.display_name = display_name
        return person
    person = Person(display_name=display_name or external, created_at=ctx.now)
    ctx.s.add(person)
    ctx.s.flush()
    link_identity(ctx, person, platform, external)
    return person


def link_identity(ctx: Ctx, person: Person, platform: str, external_id: str) -> ChatIdentity:
    identity = known_identity(ctx, platform, external_id)
    identity.person_id = person.id
    identity.blocked_at = None
    ctx.s.flush()
    return identity


def known_identity(ctx: Ctx, platform: str, external_id: str, language: str | None = None) -> ChatIdentity:
    """The identity for a chat that wrote to us, remembered even before it belongs to anyone."""
    identity = identity_of(ctx, platform, external_id)
    if identity is None:
        identity = ChatIdentity(platform=platform, external_id=str(external_id), language=language,
                                created_at=ctx.now)
        ctx.s.add(identity)
        ctx.s.flush()
    elif language and not identity.language:
        identity.language = language
    return identity
