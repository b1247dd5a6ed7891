"""Agency staff use cases beyond the plan file, whatever their platform: who a chat user is, which families
they staff, a family created by a caseworker, a chat user invited directly, a meeting scheduled outside the
plan, and being away until a day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.buttons import ButtonAction, make
from bot.domain.routing import is_away
from bot.domain.vocabulary import STAFF_ROLES, JobKind, MeetingKind, MembershipState, Role
from bot.services import audit, jobs, meeting_replies, notify
from bot.services.context import Actor, Ctx
from bot.services.covers import set_away
from bot.services.errors import InvalidInput, Refused
from bot.services.families import create_family, get_family, require_staff
from bot.services.invites import create_invite, hash_code, is_avoided, people_to_avoid
from bot.services.meetings import send_meeting_notice
from bot.services.people import identity_of, known_identity
from messages import render
from storage.models import Family, Invite, Meeting, MeetingInvitee, Membership, Person


def staff_actor(ctx: Ctx, platform: str, user_id: str) -> Actor:
    """The person behind a chat user. A user nobody linked to a person is refused."""
    identity = identity_of(ctx, platform, user_id)
    if identity is None or identity.person_id is None:
        raise Refused("unknown_chat", "this user is not known to FamilyTeam", subject=f"{platform}.actor")
    return Actor(f"person:{identity.person_id}", identity.person_id, identity.id)


@dataclass(frozen=True)
class StaffFamily:
    id: int
    alias: str
    role: str  # caseworker | supervisor | duty | cover
    timezone: str


def staff_families(ctx: Ctx, person_id: int) -> list[StaffFamily]:
    """Families this person is assigned to as staff, or covers for an away caseworker."""
    out: dict[int, StaffFamily] = {}
    for m, family in ctx.s.execute(select(Membership, Family).join(Family, Family.id == Membership.family_id).where(
            Membership.person_id == person_id, Membership.state == MembershipState.ACTIVE,
            Membership.role.in_([r.value for r in STAFF_ROLES])).order_by(Family.id)):
        out.setdefault(family.id, StaffFamily(family.id, family.alias, m.role, family.timezone))
    for cw in ctx.s.scalars(select(Person).where(Person.cover_person_id == person_id)):
        if not is_away(cw.away_until, ctx.now):
            continue
        for family in ctx.s.scalars(select(Family).join(Membership, Membership.family_id == Family.id).where(
                Membership.person_id == cw.id, Membership.role == Role.CASEWORKER,
                Membership.state == MembershipState.ACTIVE)):
            out.setdefault(family.id, StaffFamily(family.id, family.alias, "cover", family.timezone))
    return sorted(out.values(), key=lambda f: f.alias.casefold())


def require_any_staff(ctx: Ctx, actor: Actor, action: str) -> list[StaffFamily]:
    if actor.person_id is None or not (families := staff_families(ctx, actor.person_id)):
        raise Refused("not_staff", "only agency staff can do this", subject=action)
    return families


def create_family_as_staff(ctx: Ctx, actor: Actor, address: str, *, alias: str, timezone: str, language: str,
                             work_start: str, work_end: str, work_days: str, supervisor: str | None,
                             duty: str | None) -> Family:
    """A caseworker already on the agency's team creates a family; they become its caseworker."""
    require_any_staff(ctx, actor, "family.create")
    assert actor.person_id is not None
    name = ctx.s.get_one(Person, actor.person_id).display_name
    return create_family(ctx, actor, alias=alias, timezone=timezone, caseworker=address,
                         caseworker_name=name, language=language, supervisor=supervisor, duty=duty,
                         work_start=work_start, work_end=work_end, work_days=work_days)


@dataclass
class StaffInvite:
    code: str
    membership_id: int
    sent_to: str | None  # the chat user asked for consent, if any


def invite(ctx: Ctx, actor: Actor, family_id: int, name: str, role: str, platform: str,
           chat_user: str | None, language: str | None = None, *, discreet: bool = False) -> StaffInvite:
    """An invite (in `language` if staff set it); for a chat user on the staff's platform, their consent
    request (the same as after /start CODE) is sent now."""
    new = create_invite(ctx, actor, family_id, name, role, language, discreet=discreet)
    if not chat_user:
        return StaffInvite(new.code, new.membership.id, None)
    identity = known_identity(ctx, platform, chat_user)
    if identity.person_id is not None and staff_families(ctx, identity.person_id) and any(
            f.id == family_id for f in staff_families(ctx, identity.person_id)):
        raise InvalidInput("is_staff", "this user is on the family's agency team already")
    invite_row = ctx.s.scalar(select(Invite).where(Invite.code_hash == hash_code(new.code)))
    assert invite_row is not None
    invite_row.opened_by_identity_id = identity.id  # consent counts only from the user it was sent to
    family = get_family(ctx, family_id)
    alias = family.alias
    agree = make(ctx.secret, ButtonAction.CONSENT, invite_row.id, "y")
    decline = make(ctx.secret, ButtonAction.CONSENT, invite_row.id, "n")
    notify.to_identity(ctx, identity, lambda tr: render.consent_request(tr, alias, agree, decline),
                       key=f"direct-invite:{invite_row.id}", family=family,
                       language=invite_row.language, discreet=invite_row.discreet)
    audit.record(ctx, actor, "invite.slack_user", family_id=family_id, subject=f"membership:{new.membership.id}")
    return StaffInvite(new.code, new.membership.id, chat_user)


def network_members(ctx: Ctx, actor: Actor, family_id: int, *, active_only: bool = False) -> list[Membership]:
    """Network members (not staff) a caseworker may name in a plan or invite to a meeting."""
    require_staff(ctx, actor, family_id, "family.members")
    states = [MembershipState.ACTIVE] if active_only else [MembershipState.ACTIVE, MembershipState.INVITED]
    return [m for m in ctx.s.scalars(select(Membership).where(
        Membership.family_id == family_id, Membership.state.in_(states)).order_by(Membership.name))
            if not Role(m.role).is_staff]


def member_ids(ctx: Ctx, actor: Actor, family_id: int, names: list[str]) -> list[int]:
    """The network members called `names` (as invited, any case), joined or invited; an unknown name is an
    error naming it."""
    members = {m.name.casefold(): m.id for m in network_members(ctx, actor, family_id)}
    unknown = [n for n in names if n.strip().casefold() not in members]
    if unknown:
        raise InvalidInput("bad_invitee", f"not in the network of family {family_id}: {', '.join(unknown)}")
    return [members[n.strip().casefold()] for n in names]


def schedule_meeting(ctx: Ctx, actor: Actor, family_id: int, kind: str, starts_local: datetime, place: str,
                     invitee_ids: list[int]) -> Meeting:
    """A meeting outside the plan file (the plan's own meetings are left alone by this, and it by them)."""
    from bot.services.plans import local_to_utc

    family = get_family(ctx, family_id)
    require_staff(ctx, actor, family.id, "meeting.schedule")
    try:
        kind_value = MeetingKind(kind)
    except ValueError:
        raise InvalidInput("bad_kind", "unknown meeting kind") from None
    if starts_local.tzinfo is not None:
        raise InvalidInput("bad_time", "give the family's local time")
    starts = local_to_utc(starts_local, family.timezone)
    if starts <= ctx.now:
        raise InvalidInput("in_past", "the meeting must be in the future")
    key = f"slack-{kind_value.value}-{starts_local:%Y%m%dT%H%M}"  # kept: meetings scheduled before keep theirs
    if ctx.s.scalar(select(Meeting.id).where(Meeting.family_id == family.id, Meeting.key == key,
                                             Meeting.cancelled.is_(False))):
        raise InvalidInput("meeting_exists", "this meeting is already scheduled")
    invitees = _invitees(ctx, family, invitee_ids)
    meeting = _upsert_meeting(ctx, family, key, kind_value, starts, place.strip()[:200])
    for m in invitees:
        if ctx.s.get(MeetingInvitee, (meeting.id, m.id)) is None:
            ctx.s.add(MeetingInvitee(meeting_id=meeting.id, membership_id=m.id))
    ctx.s.flush()
    for m in invitees:
        send_meeting_notice(ctx, meeting, family, m, reminder=False,
                            key=f"meeting:{meeting.id}:invite:{meeting.starts_at:%Y%m%dT%H%M}:{m.id}")
    meeting_replies.show_staff(ctx, meeting, family)
    audit.record(ctx, actor, "meeting.schedule", family_id=family.id, subject=f"meeting:{meeting.id}",
                 detail=kind_value.value)
    return meeting


def _invitees(ctx: Ctx, family: Family, invitee_ids: list[int]) -> list[Membership]:
    avoid = people_to_avoid(ctx, family.id)
    invitees = []
    for mid in dict.fromkeys(invitee_ids):
        m = ctx.s.get(Membership, mid)
        # Someone invited who has not joined yet gets the invitation when they join (invite_to_upcoming).
        if m is None or m.family_id != family.id or m.state not in (MembershipState.ACTIVE, MembershipState.INVITED):
            raise InvalidInput("bad_invitee", "invitees must be members of this family (joined or invited)")
        if is_avoided(m.name, avoid):
            raise Refused("person_to_avoid", "this person is on the people-to-avoid list", family_id=family.id,
                          subject="meeting.schedule")
        invitees.append(m)
    return invitees


def _upsert_meeting(ctx: Ctx, family: Family, key: str, kind: MeetingKind, starts: datetime, place: str) -> Meeting:
    meeting = ctx.s.scalar(select(Meeting).where(Meeting.family_id == family.id, Meeting.key == key))
    if meeting is None:
        meeting = Meeting(family_id=family.id, key=key, kind=kind.value, starts_at=starts, place=place,
                          invited_at=ctx.now)
        ctx.s.add(meeting)
    meeting.starts_at, meeting.place, meeting.cancelled = starts, place, False
    ctx.s.flush()
    jobs.touch(ctx, JobKind.MEETING_REMINDER, meeting.id)
    return meeting


def set_away_until_day(ctx: Ctx, actor: Actor, address: str, until_day: date | None,
                       cover: str | None) -> datetime | None:
    """Away until the start of `until_day` in the time zone of the person's first family (back now when
    None); `cover` (an address) gets their families' escalations meanwhile. Returns the moment, if any."""
    mine = staff_families(ctx, actor.person_id or 0)
    tz = mine[0].timezone if mine else "UTC"
    until = datetime.combine(until_day, datetime.min.time(), ZoneInfo(tz)) if until_day else None
    if until is not None and until <= ctx.now:
        raise InvalidInput("in_past", "choose a day in the future")
    set_away(ctx, actor, address, until, cover)
    return until


def away_timezone(ctx: Ctx, actor: Actor) -> str:
    mine = staff_families(ctx, actor.person_id or 0)
    return mine[0].timezone if mine else "UTC"
