"""People and their chat identities ("telegram:123", "slack:U024BE7LH", "console:gran")."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update

from bot.domain.durations import parse_duration_minutes
from bot.domain.schedule import parse_hhmm
from bot.domain.vocabulary import JobKind, OutboxState
from bot.ports import AddressRule
from bot.services import audit, jobs
from bot.services.context import Actor, Ctx
from bot.services.errors import InvalidInput, Refused
from messages.catalog import SUPPORTED_LANGUAGES
from storage.models import ChatIdentity, OutboxMessage, Person

PLATFORMS = ("console", "telegram", "slack")
# Each platform's own rule for which chat ids can be a person's contact, registered by bot.bootstrap.
ADDRESS_RULES: dict[str, AddressRule] = {}


def register_address_rule(platform: str, rule: AddressRule) -> None:
    ADDRESS_RULES[platform] = rule


def parse_address(address: str) -> tuple[str, str]:
    platform, sep, external = address.strip().partition(":")
    platform, external = platform.lower(), external.strip()
    if not sep or platform not in PLATFORMS or not external:
        raise InvalidInput("bad_address",
                           f"not a chat address: {address!r} (use telegram:ID, slack:USER or console:NAME)")
    rule = ADDRESS_RULES.get(platform)
    problem = rule(external) if rule is not None else None
    if problem:
        raise InvalidInput("group_address", problem)
    return platform, external


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


def replace_chats(ctx: Ctx, person: Person, new: ChatIdentity) -> list[int]:
    """The person moved to the chat `new` (a new phone, re-invited): their other chats are unlinked and get
    nothing more (what was still waiting for them is cancelled). The person, with their history, language,
    discreet mode and memberships, stays the same. Returns the identities replaced."""
    old = [i for i in ctx.s.scalars(select(ChatIdentity).where(ChatIdentity.person_id == person.id,
                                                                  ChatIdentity.id != new.id))]
    for identity in old:
        identity.person_id = None
        audit.record(ctx, Actor.engine(), "identity.replaced", subject=f"identity:{identity.id}",
                     detail=f"identity:{new.id}")
    if old:
        ctx.s.execute(update(OutboxMessage).where(
            OutboxMessage.identity_id.in_([i.id for i in old]),
            OutboxMessage.state.in_([OutboxState.PENDING, OutboxState.BLOCKED])).values(
            state=OutboxState.CANCELLED, last_error="chat replaced"), execution_options={"synchronize_session": False})
    ctx.s.flush()
    return [i.id for i in old]


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


# --- a person's own settings (the member commands) ------------------------------------------------

MAX_PAUSE = timedelta(days=14)


def _person(ctx: Ctx, actor: Actor) -> Person:
    if actor.person_id is None:
        raise Refused("unknown_chat", "not a known person", subject="person.settings")
    return ctx.s.get_one(Person, actor.person_id)


def set_language(ctx: Ctx, actor: Actor, language: str) -> str:
    if language not in SUPPORTED_LANGUAGES:
        raise InvalidInput("bad_language", f"unsupported language: {language}")
    person = _person(ctx, actor)
    person.language = language
    audit.record(ctx, actor, "person.language", subject=f"person:{person.id}", detail=language)
    return language


def set_quiet(ctx: Ctx, actor: Actor, hours: str) -> tuple[str, str]:
    """Quiet hours from "21:00-08:00"."""
    start, _, end = hours.replace(" ", "").partition("-")
    try:
        parse_hhmm(start), parse_hhmm(end)
    except ValueError as exc:
        raise InvalidInput("bad_hours", str(exc)) from exc
    person = _person(ctx, actor)
    person.quiet_start, person.quiet_end = start, end
    audit.record(ctx, actor, "person.quiet_hours", subject=f"person:{person.id}", detail=f"{start}-{end}")
    return start, end


def set_timezone(ctx: Ctx, actor: Actor, zone: str) -> str:
    """`zone` already checked (bot.services.families.check_timezone)."""
    person = _person(ctx, actor)
    person.timezone = zone
    jobs.touch(ctx, JobKind.DAILY_SUMMARY, person.id)  # a caseworker's summary follows their zone
    audit.record(ctx, actor, "person.timezone", subject=f"person:{person.id}", detail=person.timezone)
    return person.timezone


def set_discreet(ctx: Ctx, actor: Actor, value: str) -> bool:
    person = _person(ctx, actor)
    person.discreet = value.lower() not in ("off", "no", "0")
    audit.record(ctx, actor, "person.discreet", subject=f"person:{person.id}", detail=str(person.discreet))
    return person.discreet


def pause(ctx: Ctx, actor: Actor, duration: str) -> datetime:
    """Pause reminders for a while ("1d" by default, at most two weeks); returns the end (UTC)."""
    try:
        minutes = parse_duration_minutes(duration or "1d")
    except ValueError:
        minutes = 24 * 60
    person = _person(ctx, actor)
    person.paused_until = ctx.now + min(timedelta(minutes=minutes), MAX_PAUSE)
    audit.record(ctx, actor, "person.pause", subject=f"person:{person.id}")
    return person.paused_until
