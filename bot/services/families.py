"""Families and their agency team: create, staff roles, away and cover, and who may act on what."""

from __future__ import annotations

import re

from sqlalchemy import select

from bot.domain.hours import check_zone, normalise_days, within_working_hours
from bot.domain.routing import StaffOnCall, is_away
from bot.domain.schedule import parse_hhmm
from bot.domain.text import clean_name, clean_text
from bot.domain.vocabulary import STAFF_ROLES, JobKind, MembershipState, Role
from bot.services import audit, jobs
from bot.services.context import Actor, Ctx
from bot.services.errors import InvalidInput, NotFound, Refused
from bot.services.people import ensure_person, identity_of, parse_address
from messages.catalog import SUPPORTED_LANGUAGES
from storage.models import CaseClosure, Family, Membership, Person

# 16: the width of families.emergency_number, so SQLite and PostgreSQL take the same numbers.
EMERGENCY_NUMBER = re.compile(r"[0-9 +()\-]{3,16}")


def check_timezone(name: str) -> str:
    """A zone of the zone database, or InvalidInput (never IsADirectoryError and the like: see check_zone)."""
    try:
        return check_zone(name)
    except ValueError as exc:
        raise InvalidInput("bad_timezone", str(exc)) from None


def check_emergency_number(number: str) -> str:
    """As given (trimmed), if it looks like a phone number: 3 to 16 characters of digits, spaces, +, -
    and brackets, with at least 3 digits ("999", "0300 555 0100", "+44 300-555-0100", "(030) 555 0100")."""
    number = number.strip()
    if not EMERGENCY_NUMBER.fullmatch(number) or sum(ch.isdigit() for ch in number) < 3:
        raise InvalidInput("bad_emergency_number", "the emergency number must be 3 to 16 characters of digits, "
                                                   "spaces, +, - and brackets, e.g. 999, 112 or 0300 555 0100")
    return number


def check_name(name: str) -> str:
    """A person's name as stored: cleaned (bot.domain.text), 1 to MAX_NAME characters, else InvalidInput."""
    try:
        return clean_name(name)
    except ValueError as exc:
        raise InvalidInput("bad_name", f"{exc} (a name, e.g. Sam Okafor)") from None


def _check_hours(work_start: str, work_end: str, work_days: str) -> str:
    """The working days in their stored form ("Mon-Fri" -> "MO-FR"), once the hours are known good."""
    try:
        parse_hhmm(work_start), parse_hhmm(work_end)
        return normalise_days(work_days)
    except ValueError as exc:
        raise InvalidInput("bad_hours", str(exc)) from exc


def create_family(ctx: Ctx, actor: Actor, *, alias: str, timezone: str, caseworker: str,
                  caseworker_name: str | None = None, language: str = "en", supervisor: str | None = None,
                  duty: str | None = None, work_start: str = "09:00", work_end: str = "17:00",
                  work_days: str = "MO-FR", emergency_number: str = "999", ack_timeout_minutes: int = 30) -> Family:
    alias = " ".join(clean_text(alias).split())
    if not 2 <= len(alias) <= 80:
        raise InvalidInput("bad_alias", "the alias must be 2 to 80 characters (a family alias, never a child's name)")
    if language not in SUPPORTED_LANGUAGES:
        raise InvalidInput("bad_language", f"language must be one of {', '.join(SUPPORTED_LANGUAGES)}")
    work_days = _check_hours(work_start, work_end, work_days)
    emergency_number = check_emergency_number(emergency_number)
    if not 1 <= ack_timeout_minutes <= 24 * 60:
        raise InvalidInput("bad_ack_timeout", "the acknowledgement timeout must be 1 to 1440 minutes")
    family = Family(alias=alias, timezone=check_timezone(timezone), language=language, work_start=work_start,
                    work_end=work_end, work_days=work_days, emergency_number=emergency_number,
                    ack_timeout_minutes=ack_timeout_minutes, created_at=ctx.now)
    ctx.s.add(family)
    ctx.s.flush()
    jobs.touch(ctx, JobKind.WEEKLY_THANKS, family.id)
    set_staff(ctx, actor, family, Role.CASEWORKER, caseworker, caseworker_name)
    if supervisor:
        set_staff(ctx, actor, family, Role.SUPERVISOR, supervisor)
    if duty:
        set_staff(ctx, actor, family, Role.DUTY, duty)
    audit.record(ctx, actor, "family.create", family_id=family.id, subject=f"family:{family.id}")
    return family


def set_staff(ctx: Ctx, actor: Actor, family: Family, role: Role, address: str, name: str | None = None) -> Membership:
    """Make `address` the family's caseworker, supervisor or duty contact (replacing any before)."""
    if role not in STAFF_ROLES:
        raise InvalidInput("bad_role", f"{role} is not an agency role")
    person = ensure_person(ctx, address, check_name(name) if name else None)
    for old in ctx.s.scalars(select(Membership).where(Membership.family_id == family.id, Membership.role == role,
                                                      Membership.state == MembershipState.ACTIVE)):
        old.state, old.left_at = MembershipState.LEFT, ctx.now
        old.name = f"{old.name} (until {ctx.now:%Y-%m-%d %H:%M})"[:80]
    ctx.s.flush()
    label = f"{person.display_name} ({role.value})"[:80]
    membership = Membership(family_id=family.id, person_id=person.id, name=label, role=role,
                            state=MembershipState.ACTIVE, consent_at=ctx.now, created_at=ctx.now)
    ctx.s.add(membership)
    ctx.s.flush()
    if role == Role.CASEWORKER:
        jobs.touch(ctx, JobKind.DAILY_SUMMARY, person.id)
    audit.record(ctx, actor, "family.staff_set", family_id=family.id, subject=f"person:{person.id}", detail=role.value)
    return membership


def get_family(ctx: Ctx, family_id: int) -> Family:
    family = ctx.s.get(Family, family_id)
    if family is None:
        raise NotFound("no_family", f"no family with id {family_id}")
    return family


def require_open(ctx: Ctx, family_id: int) -> None:
    """A closed family takes no new plan, invite or review date (bot.services.lifecycle closes it)."""
    if ctx.s.get(CaseClosure, family_id) is not None:
        raise InvalidInput("family_closed", f"family {family_id} is closed", family_id=family_id)


def staff_person(ctx: Ctx, family_id: int, role: Role) -> int | None:
    return ctx.s.scalar(select(Membership.person_id).where(
        Membership.family_id == family_id, Membership.role == role, Membership.state == MembershipState.ACTIVE))


def staff_on_call(ctx: Ctx, family: Family) -> StaffOnCall:
    caseworker = staff_person(ctx, family.id, Role.CASEWORKER)
    cw = ctx.s.get(Person, caseworker) if caseworker else None
    away = bool(cw and is_away(cw.away_until, ctx.now))
    duty = staff_person(ctx, family.id, Role.DUTY)
    if duty is None and ctx.settings.duty:  # the agency's duty team covers families without their own
        duty = ensure_person(ctx, ctx.settings.duty).id
    return StaffOnCall(caseworker=caseworker, supervisor=staff_person(ctx, family.id, Role.SUPERVISOR),
                       duty=duty, caseworker_away=away,
                       cover=cw.cover_person_id if (cw and away) else None)


def in_working_hours(ctx: Ctx, family: Family) -> bool:
    return within_working_hours(ctx.now, family.timezone, family.work_start, family.work_end, family.work_days)


def staff_roles_in(ctx: Ctx, person_id: int, family_id: int) -> set[str]:
    return set(ctx.s.scalars(select(Membership.role).where(
        Membership.family_id == family_id, Membership.person_id == person_id,
        Membership.state == MembershipState.ACTIVE, Membership.role.in_([r.value for r in STAFF_ROLES]))))


def require_staff(ctx: Ctx, actor: Actor, family_id: int, action: str) -> None:
    """CLI operators act on any family; chat users only on families they are assigned to."""
    if actor.operator:
        return
    if actor.person_id is not None:
        if staff_roles_in(ctx, actor.person_id, family_id):
            return
        # A cover named by an away caseworker of this family may act for them.
        caseworker = staff_person(ctx, family_id, Role.CASEWORKER)
        cw = ctx.s.get(Person, caseworker) if caseworker else None
        if cw and cw.cover_person_id == actor.person_id and is_away(cw.away_until, ctx.now):
            return
        # The agency-wide duty contact acts on the families it covers.
        if ctx.settings.duty and staff_person(ctx, family_id, Role.DUTY) is None:
            ident = identity_of(ctx, *parse_address(ctx.settings.duty))
            if ident is not None and ident.person_id == actor.person_id:
                return
    raise Refused("not_assigned", "you are not assigned to this family", family_id=family_id, subject=action)
