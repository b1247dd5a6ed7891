"""Invites: one-time, expiring codes stored only as hashes; accepting needs explicit consent."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from bot.domain.avoid import is_avoided
from bot.domain.text import clean_name
from bot.domain.vocabulary import MembershipState, Role
from bot.services import audit, guessing, onboarding, people
from bot.services.context import Actor, Ctx
from bot.services.errors import InvalidInput, Refused
from bot.services.families import check_name, get_family, require_open, require_staff
from bot.services.people import identity_of, known_identity, link_identity
from messages.catalog import SUPPORTED_LANGUAGES, supported
from storage.models import ChatIdentity, Family, Invite, Membership, Person, PlanVersion
from storage.upsert import claim

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud or typed from paper
CODE_LENGTH = 10
NETWORK_ROLES = (Role.PARENT, Role.KEY_SAFETY_PERSON, Role.SUPPORTER)


def hash_code(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


def people_to_avoid(ctx: Ctx, family_id: int) -> list[str]:
    latest = ctx.s.scalar(select(PlanVersion).where(PlanVersion.family_id == family_id)
                          .order_by(PlanVersion.number.desc()).limit(1))
    return list(latest.content.get("people_to_avoid", [])) if latest else []


@dataclass
class NewInvite:
    membership: Membership
    code: str


def create_invite(ctx: Ctx, actor: Actor, family_id: int, name: str, role: str, language: str | None = None,
                  *, discreet: bool = False) -> NewInvite:
    """An invite; `language` (en, es, pl), if staff know it, is the member's language from the consent on;
    `discreet` (a shared phone): the consent request and everything after show no case content until tapped."""
    family = get_family(ctx, family_id)
    require_staff(ctx, actor, family.id, "invite.create")
    require_open(ctx, family.id)
    name = check_name(name)
    try:
        role_value = Role(role)
    except ValueError:
        raise InvalidInput("bad_role", f"role must be one of {', '.join(r.value for r in NETWORK_ROLES)}") from None
    if role_value not in NETWORK_ROLES:
        raise InvalidInput("bad_role", "agency staff are set on the family, not invited")
    if language and supported(language) != language:
        raise InvalidInput("bad_language", f"language must be one of {', '.join(SUPPORTED_LANGUAGES)}")
    if is_avoided(name, people_to_avoid(ctx, family.id)):
        raise Refused("person_to_avoid", "this person is on the plan's people-to-avoid list and cannot be invited",
                      family_id=family.id, subject="invite.create")
    membership = ctx.s.scalar(select(Membership).where(Membership.family_id == family.id, Membership.name == name))
    if membership is None:
        membership = Membership(family_id=family.id, name=name, role=role_value, state=MembershipState.INVITED,
                                created_at=ctx.now)
        ctx.s.add(membership)
        ctx.s.flush()
    else:
        if membership.state != MembershipState.ACTIVE:  # an active member re-invited (a new phone) stays active
            membership.role, membership.state = role_value, MembershipState.INVITED
        # A new invite replaces any earlier unused one.
        ctx.s.execute(update(Invite).where(Invite.membership_id == membership.id, Invite.used_at.is_(None))
                      .values(expires_at=ctx.now))
    code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    ctx.s.add(Invite(membership_id=membership.id, code_hash=hash_code(code), language=language or None,
                     discreet=discreet,
                     expires_at=ctx.now + timedelta(hours=ctx.settings.invite_ttl_hours),
                     created_by=actor.label, created_at=ctx.now))
    audit.record(ctx, actor, "invite.create", family_id=family.id, subject=f"membership:{membership.id}")
    return NewInvite(membership, code)


@dataclass
class InviteCheck:
    # None, "unknown", "used", "expired", "declined", "slow_down", "already", "other_chat", or "quiet" (a chat
    # already told to wait in this window: no reply at all)
    problem: str | None
    invite: Invite | None = None
    membership: Membership | None = None
    family: Family | None = None


def check_invite(ctx: Ctx, code: str, platform: str, external_id: str) -> InviteCheck:
    """Is this code good for this chat? If so the invite is now opened by this chat: only its consent
    buttons count (the chat that typed the code last). Wrong codes are counted (bot.services.guessing)."""
    identity = known_identity(ctx, platform, external_id)
    if guessing.chat_is_slowed(ctx, identity):
        return _wrong(ctx, identity, "slow_down")
    invite = ctx.s.scalar(select(Invite).where(Invite.code_hash == hash_code(code)))
    problem = None
    if invite is None:
        problem = "unknown"
    elif invite.used_at is not None:
        problem = "used"
    elif invite.expires_at <= ctx.now:
        problem = _closed(ctx.s.get_one(Membership, invite.membership_id))
    if problem or invite is None:
        return _wrong(ctx, identity, problem or "unknown")
    membership = ctx.s.get_one(Membership, invite.membership_id)
    family = ctx.s.get_one(Family, membership.family_id)
    if not _may_join(ctx, membership):
        return _wrong(ctx, identity, _closed(membership), family.id, "not_invited")
    if identity.person_id is not None and ctx.s.scalar(select(Membership.id).where(
            Membership.family_id == family.id, Membership.person_id == identity.person_id,
            Membership.state == MembershipState.ACTIVE)):
        return InviteCheck("already", invite, membership, family)
    invite.opened_by_identity_id = identity.id
    return InviteCheck(None, invite, membership, family)


def _wrong(ctx: Ctx, identity: ChatIdentity, problem: str, family_id: int | None = None,
           detail: str | None = None) -> InviteCheck:
    """A code that did not open an invite: counted; audited (chats not linked to anyone: together, one row
    a window); past the chat's or the bot's limit, the chat is told to wait once a window, then nothing."""
    slowed = problem == "slow_down" or guessing.bot_is_slowed(ctx)
    guessing.count_wrong(ctx, identity)
    if identity.person_id is not None:
        who = f"{identity.platform}:{identity.external_id}"[:64]
        audit.record(ctx, Actor(who), "invite.check", family_id=family_id, subject=who, outcome="refused",
                     detail=detail or ("slow_down" if slowed else problem))
    if not slowed:
        return InviteCheck(problem)
    return InviteCheck("slow_down" if guessing.tell_to_wait_once(ctx, identity) else "quiet")


def _closed(membership: Membership) -> str:
    """Why an invite that is not used can no longer be: its person said no, or it ran out or was replaced."""
    return "declined" if membership.state == MembershipState.DECLINED else "expired"


def _may_join(ctx: Ctx, membership: Membership) -> bool:
    """Only someone still invited (or an active member re-invited to move to a new chat), and never someone
    the plan says to avoid."""
    moving = membership.state == MembershipState.ACTIVE and membership.person_id is not None
    return (membership.state == MembershipState.INVITED or moving) and not is_avoided(
        membership.name, people_to_avoid(ctx, membership.family_id))


def accept_invite(ctx: Ctx, invite_id: int, platform: str, external_id: str, display_name: str | None = None
                  ) -> InviteCheck:
    """Consent given: link the chat to the member. The invite is spent in the same conditional update,
    so two presses (or two instances) can never both use it."""
    invite = ctx.s.get(Invite, invite_id)
    if invite is None:
        return InviteCheck("unknown")
    if _opened_elsewhere(ctx, invite, platform, external_id, "invite.accept"):
        return InviteCheck("other_chat")
    if invite.used_at is not None:
        return InviteCheck("used")
    invited = ctx.s.get_one(Membership, invite.membership_id)
    if not _may_join(ctx, invited):
        return InviteCheck(_closed(invited))
    if not claim(ctx.s, update(Invite).where(Invite.id == invite_id, Invite.used_at.is_(None),
                                             Invite.expires_at > ctx.now).values(used_at=ctx.now)):
        ctx.s.refresh(invite)
        return InviteCheck("used" if invite.used_at else "expired")
    membership = ctx.s.get_one(Membership, invite.membership_id)
    family = ctx.s.get_one(Family, membership.family_id)
    identity = identity_of(ctx, platform, external_id)
    moving = membership.state == MembershipState.ACTIVE and membership.person_id is not None
    if moving and membership.person_id is not None:  # the same person, history and settings, on a new chat
        person = ctx.s.get_one(Person, membership.person_id)
    elif identity is not None and identity.person_id is not None:
        person = ctx.s.get_one(Person, identity.person_id)
    else:
        person = Person(display_name=_platform_name(display_name) or membership.name, created_at=ctx.now)
        ctx.s.add(person)
        ctx.s.flush()
    identity = link_identity(ctx, person, platform, external_id)
    if moving:
        people.replace_chats(ctx, person, identity)
    person.language = consent_language(invite, identity, person)
    person.discreet = person.discreet or invite.discreet  # before the welcome: nothing goes out readable
    membership.person_id, membership.state, membership.consent_at = person.id, MembershipState.ACTIVE, ctx.now
    membership.left_at = None
    actor = Actor(f"person:{person.id}", person.id, identity.id)
    audit.record(ctx, actor, "invite.accept", family_id=family.id, subject=f"membership:{membership.id}")
    audit.record(ctx, actor, "consent.given", family_id=family.id, subject=f"membership:{membership.id}")
    onboarding.welcome(ctx, membership, family, person.id, invite_id=invite.id)
    return InviteCheck(None, invite, membership, family)


def _opened_elsewhere(ctx: Ctx, invite: Invite, platform: str, external_id: str, action: str) -> bool:
    """Consent counts only from the chat that typed the code (check_invite); from any other chat it is
    refused, audited, and nothing changes."""
    identity = identity_of(ctx, platform, external_id)
    if identity is not None and invite.opened_by_identity_id == identity.id:
        return False
    family_id = ctx.s.get_one(Membership, invite.membership_id).family_id
    audit.record(ctx, Actor(f"{platform}:{external_id}"[:64]), action, family_id=family_id,
                 subject=f"invite:{invite.id}", outcome="refused", detail="other_chat")
    return True


def consent_language(invite: Invite, identity: ChatIdentity | None, person: Person | None = None) -> str | None:
    """The language someone is spoken to in from their consent request on: the one staff set on the invite,
    else one they chose themselves (/language), else their chat's (Telegram's language_code) if we have it;
    None leaves the family's."""
    return (invite.language or (person.language if person else None)
            or supported(identity.language if identity else None))


def _platform_name(name: str | None) -> str | None:
    """The name a chat platform gives (Telegram's can be 129 characters): cleaned, or None if it does not
    fit, so the name the caseworker invited is used instead of a cut one."""
    try:
        return clean_name(name) if name else None
    except ValueError:
        return None


def decline_invite(ctx: Ctx, invite_id: int, platform: str, external_id: str) -> str | None:
    """No at consent: recorded, the invite closed (its "I agree" no longer works), the caseworker told who
    declined (no reason is asked). Pressed again, nothing more happens. Returns why it could not be declined
    ("unknown", "used", "expired"), or None."""
    invite = ctx.s.get(Invite, invite_id)
    if invite is None:
        return "unknown"
    if _opened_elsewhere(ctx, invite, platform, external_id, "consent.declined"):
        return "other_chat"
    membership = ctx.s.get_one(Membership, invite.membership_id)
    if invite.used_at is not None:
        return "used"
    if membership.state == MembershipState.DECLINED:
        return None
    if membership.state == MembershipState.ACTIVE and invite.expires_at > ctx.now:  # a move refused: nothing else
        invite.expires_at = ctx.now
        return None
    if membership.state != MembershipState.INVITED or invite.expires_at <= ctx.now:
        return "expired"
    membership.state, membership.left_at = MembershipState.DECLINED, ctx.now
    invite.expires_at = ctx.now
    family = ctx.s.get_one(Family, membership.family_id)
    audit.record(ctx, Actor(f"{platform}:{external_id}"[:64]), "consent.declined", family_id=family.id,
                 subject=f"membership:{membership.id}")
    onboarding.declined(ctx, membership, family, invite_id=invite.id)
    return None


@dataclass
class InviteView:
    membership_id: int
    name: str
    role: str
    language: str | None
    created_at: datetime
    expires_at: datetime
    created_by: str
    state: str  # "open", "expired", "used", "declined", "revoked"


def _invite_state(invite: Invite, membership: Membership, now: datetime) -> str:
    if invite.used_at is not None:
        return "used"
    if membership.state == MembershipState.DECLINED:
        return "declined"
    if membership.state in (MembershipState.INVITED, MembershipState.ACTIVE) and invite.expires_at > now:
        return "open"
    return "revoked" if membership.state == MembershipState.LEFT and membership.person_id is None else "expired"


def list_invites(ctx: Ctx, actor: Actor, family_id: int, *, all_invites: bool = False) -> list[InviteView]:
    """The family's invites, newest first: only those still open unless `all_invites`. Codes are never
    shown again (only their hashes are kept)."""
    family = get_family(ctx, family_id)
    require_staff(ctx, actor, family.id, "invite.list")
    rows = ctx.s.execute(select(Invite, Membership).join(Membership, Membership.id == Invite.membership_id)
                         .where(Membership.family_id == family.id).order_by(Invite.created_at.desc(), Invite.id.desc()))
    views = [InviteView(m.id, m.name, m.role, i.language, i.created_at, i.expires_at, i.created_by,
                        _invite_state(i, m, ctx.now)) for i, m in rows]
    return views if all_invites else [v for v in views if v.state == "open"]


def revoke_invite(ctx: Ctx, actor: Actor, family_id: int, name: str) -> int:
    """Close the open invites of someone invited who has not joined: their code and consent button stop
    working. Returns how many invites were closed (0: none was open)."""
    family = get_family(ctx, family_id)
    require_staff(ctx, actor, family.id, "invite.revoke")
    membership = ctx.s.scalar(select(Membership).where(Membership.family_id == family.id,
                                                       Membership.name == check_name(name)))
    if membership is None or Role(membership.role).is_staff:
        raise InvalidInput("no_member", f"nobody called {name!r} was invited to family {family.id}")
    if membership.state == MembershipState.ACTIVE:
        raise InvalidInput("already_member", f"{membership.name} has joined; to remove them: familyteam member "
                                             f"remove --family {family.id} --name {membership.name!r}")
    closed = ctx.s.execute(update(Invite).where(Invite.membership_id == membership.id, Invite.used_at.is_(None),
                                                Invite.expires_at > ctx.now).values(expires_at=ctx.now),
                           execution_options={"synchronize_session": False}).rowcount or 0  # type: ignore[attr-defined]
    if membership.state == MembershipState.INVITED:
        membership.state, membership.left_at = MembershipState.LEFT, ctx.now
    audit.record(ctx, actor, "invite.revoke", family_id=family.id, subject=f"membership:{membership.id}",
                 detail=f"{closed} closed")
    return closed
