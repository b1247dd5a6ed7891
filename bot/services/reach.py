"""Who the running configuration cannot reach: active staff and members whose every chat is on a platform
that is off (no token), or who have no chat at all. `familyteam check` lists them with their fix;
`familyteam run` logs their counts and first ids at start, counted in the database (no names read)."""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.orm import Session

from bot.domain.vocabulary import STAFF_ROLES, MembershipState, Role
from bot.settings import Settings
from storage.models import ChatIdentity, Membership

log = logging.getLogger(__name__)
ALL_PLATFORMS = ("telegram", "slack")


@dataclass(frozen=True)
class Unreachable:
    membership_id: int
    family_id: int
    role: str
    name: str
    platforms: tuple[str, ...]  # where their chats are (all off); empty: no chat at all

    @property
    def staff(self) -> bool:
        return Role(self.role) in STAFF_ROLES


def platforms_on(settings: Settings) -> list[str]:
    """The platforms `familyteam run` serves with these settings (the console when nothing else is on)."""
    on = list(settings.platforms)
    if settings.console or not on:
        on.append("console")
    return on


def platforms_off(settings: Settings) -> list[str]:
    return [p for p in ALL_PLATFORMS if p not in settings.platforms]


def unreachable(s: Session, on: Collection[str]) -> list[Unreachable]:
    """Active memberships none of whose person's chats is on a platform in `on` (one query)."""
    rows = s.execute(select(Membership.id, Membership.family_id, Membership.role, Membership.name,
                            ChatIdentity.platform)
                     .outerjoin(ChatIdentity, ChatIdentity.person_id == Membership.person_id)
                     .where(Membership.state == MembershipState.ACTIVE, Membership.person_id.is_not(None))
                     .order_by(Membership.family_id, Membership.id)).all()
    seen: dict[int, tuple[int, str, str, set[str]]] = {}
    for membership_id, family_id, role, name, platform in rows:
        entry = seen.setdefault(membership_id, (family_id, role, name, set()))
        if platform is not None:
            entry[3].add(platform)
    return [Unreachable(mid, fid, role, name, tuple(sorted(where)))
            for mid, (fid, role, name, where) in seen.items() if not where & set(on)]


@dataclass(frozen=True)
class UnreachableCount:
    """How many active staff and members the running configuration cannot reach, with the first ids of each."""

    staff: int
    members: int
    staff_ids: list[int]
    member_ids: list[int]


SHOWN = 20  # membership ids named in the start-up line, per kind (the rest are counted)


def count_unreachable(s: Session, on: Collection[str]) -> UnreachableCount:
    """`unreachable`'s counts, in the database: a few statements and no names, whatever the number of families."""
    reachable = exists().where(ChatIdentity.person_id == Membership.person_id, ChatIdentity.platform.in_(list(on)))
    where = (Membership.state == MembershipState.ACTIVE, Membership.person_id.is_not(None), ~reachable)
    is_staff = Membership.role.in_([r.value for r in STAFF_ROLES])
    staff, total = s.execute(select(func.count().filter(is_staff), func.count()).select_from(Membership)
                             .where(*where)).one()

    def first(kind: ColumnElement[bool]) -> list[int]:
        return list(s.scalars(select(Membership.id).where(*where, kind).order_by(Membership.id).limit(SHOWN)))

    return UnreachableCount(staff, total - staff, first(is_staff), first(~is_staff))


def log_unreachable(s: Session, settings: Settings) -> UnreachableCount:
    """The start-up line of `familyteam run`: which platforms are off and who therefore cannot be reached
    (counts and the first membership ids only, never names)."""
    off = platforms_off(settings)
    found = count_unreachable(s, platforms_on(settings))

    def ids(shown: list[int], count: int) -> str:
        return f"{shown}" + (f" and {count - len(shown)} more" if count > len(shown) else "")

    if found.staff or found.members:
        log.warning("platforms off: %s; cannot be reached: %d staff (memberships %s), %d members (memberships %s)"
                    " -- see `familyteam check`", ",".join(off) or "none", found.staff,
                    ids(found.staff_ids, found.staff), found.members, ids(found.member_ids, found.members))
    else:
        log.info("platforms off: %s; everyone can be reached", ",".join(off) or "none")
    return found
