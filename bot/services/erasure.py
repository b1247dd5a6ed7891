"""Erasing personal data: a closed family after the retention period (or when staff say so), a member who
asked to be forgotten (/forget after /stop), or a member staff erase. Names, chat ids, message texts, notes,
plan texts and aliases go; the rows stay with their states and times, so only anonymous counts remain.
Every erasure is audited with ids and counts, never the erased content.

A table added later that holds a family's texts must be erased here too: tests/storage/test_erasure.py scans
every text column of every table for a closed and erased family's words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import String, cast, delete, func, or_, select, union_all, update

from bot.domain.vocabulary import STAFF_ROLES, MembershipState, OutboxPurpose, OutboxState
from bot.services import audit
from bot.services.context import Actor, Ctx
from bot.services.errors import InvalidInput, NotFound
from bot.services.families import get_family, require_staff
from messages.outbound import OutboundMessage
from storage.models import (
    AuditEvent,
    BottomLine,
    CaseClosure,
    ChatIdentity,
    Checkin,
    CheckinAnswer,
    Commitment,
    ConversationMessage,
    Escalation,
    Meeting,
    MemberErasure,
    Membership,
    OutboxMessage,
    PendingReply,
    Person,
    PlanDraft,
    PlanVersion,
    ProtectedTerm,
)

ERASED = "(erased)"
SCRUB_AFTER = timedelta(minutes=15)  # /forget: the confirmation goes out before the chat address is erased
BATCH = 50
NAMING_KINDS = (OutboxPurpose.MEMBER_JOINED, OutboxPurpose.MEMBER_LEFT, OutboxPurpose.CHAT_BLOCKED,
                OutboxPurpose.DAILY_SUMMARY, OutboxPurpose.HANDOVER)  # staff messages that name members


def _blank() -> dict[str, object]:
    return OutboundMessage(ERASED).to_payload()


def _blank_outbox(ctx: Ctx, *where: object) -> None:
    """Outbox rows matching `where` keep their purpose, state and times; their words go, and what was not
    sent yet is never sent."""
    ctx.s.execute(update(OutboxMessage).where(*where, OutboxMessage.state == OutboxState.PENDING)  # type: ignore[arg-type]
                  .values(state=OutboxState.CANCELLED, last_error="erased"),
                  execution_options={"synchronize_session": False})
    ctx.s.execute(update(OutboxMessage).where(*where).values(payload=_blank(), external_ref=None),  # type: ignore[arg-type]
                  execution_options={"synchronize_session": False})


# --- one member ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class MemberErased:
    membership_id: int
    person_erased: bool


def _member_words(ctx: Ctx, m: Membership) -> None:
    """What this member wrote or was told: notes, answers' notes, worries' words, their messages."""
    owned = select(Commitment.id).where(Commitment.owner_membership_id == m.id)
    their_checkins = select(Checkin.id).where(Checkin.commitment_id.in_(owned))
    ctx.s.execute(update(Checkin).where(Checkin.id.in_(their_checkins)).values(note=None))
    ctx.s.execute(update(CheckinAnswer).where(CheckinAnswer.checkin_id.in_(their_checkins)).values(note=None))
    if m.person_id is not None:
        family_checkins = select(Checkin.id).where(Checkin.family_id == m.family_id)
        ctx.s.execute(update(CheckinAnswer).where(CheckinAnswer.person_id == m.person_id,
                                                  CheckinAnswer.checkin_id.in_(family_checkins)).values(note=None))
    their_escalations = select(Escalation.id).where(or_(Escalation.membership_id == m.id,
                                                        Escalation.checkin_id.in_(their_checkins)))
    ctx.s.execute(update(Escalation).where(Escalation.id.in_(their_escalations))
                  .values(words=None, resolution_note=None))
    ctx.s.execute(update(ConversationMessage).where(ConversationMessage.membership_id == m.id)
                  .values(text="", forwarded_from=None))
    _blank_outbox(ctx, or_(OutboxMessage.checkin_id.in_(their_checkins),
                           OutboxMessage.escalation_id.in_(their_escalations),
                           (OutboxMessage.family_id == m.family_id) & OutboxMessage.kind.in_(NAMING_KINDS)))
    m.name = f"{ERASED} {m.id}"


def _still_used(ctx: Ctx, person_id: int, besides: int) -> bool:
    """Is the person in some other place not erased (another family, or agency staff)?"""
    erased = select(MemberErasure.membership_id)
    return ctx.s.scalar(select(func.count()).select_from(Membership).where(
        Membership.person_id == person_id, Membership.id != besides, Membership.id.not_in(erased))) != 0


def scrub_identities(ctx: Ctx, person_id: int) -> int:
    """The person's chat addresses go (from their chats, their messages and the audit trail's labels); the
    chats can no longer be reached, and a message from them later is a stranger's."""
    scrubbed = 0
    for identity in ctx.s.scalars(select(ChatIdentity).where(ChatIdentity.person_id == person_id)):
        address = f"{identity.platform}:{identity.external_id}"[:64]
        for column in (AuditEvent.actor, AuditEvent.subject):
            ctx.s.execute(update(AuditEvent).where(column == address).values({column.key: ERASED}))
        _blank_outbox(ctx, OutboxMessage.identity_id == identity.id)
        ctx.s.execute(delete(PendingReply).where(PendingReply.identity_id == identity.id))
        identity.external_id, identity.person_id = f"erased-{identity.id}", None
        identity.blocked_at, identity.language = identity.blocked_at or ctx.now, None
        scrubbed += 1
    return scrubbed


def _erase_member(ctx: Ctx, actor: Actor, m: Membership, scrub_later: bool = False) -> MemberErased:
    _member_words(ctx, m)
    person_erased = False
    scrub_at = None
    if m.person_id is not None and not _still_used(ctx, m.person_id, m.id):
        person = ctx.s.get_one(Person, m.person_id)
        person.display_name, person_erased = ERASED, True
        if scrub_later:
            scrub_at = ctx.now + SCRUB_AFTER
        else:
            scrub_identities(ctx, person.id)
    ctx.s.add(MemberErasure(membership_id=m.id, person_id=m.person_id, erased_at=ctx.now, erased_by=actor.label,
                            scrub_at=scrub_at))
    ctx.s.flush()
    audit.record(ctx, actor, "erase.member", family_id=m.family_id, subject=f"membership:{m.id}",
                 detail="person erased" if person_erased else "person kept (in another network or team)")
    return MemberErased(m.id, person_erased)


def _is_erased(ctx: Ctx, membership_id: int) -> bool:
    return ctx.s.scalar(select(MemberErasure.id).where(MemberErasure.membership_id == membership_id)) is not None


def erase_member(ctx: Ctx, actor: Actor, family_id: int, *, name: str | None = None,
                 membership_id: int | None = None) -> MemberErased:
    """Staff erase a network member who has left (or was removed), by name or by membership id."""
    require_staff(ctx, actor, family_id, "erase.member")
    q = select(Membership).where(Membership.family_id == family_id)
    m = ctx.s.scalar(q.where(Membership.id == membership_id) if membership_id else q.where(Membership.name == name))
    if m is None or m.role in STAFF_ROLES:
        raise NotFound("no_member", f"no network member {membership_id or repr(name)} in family {family_id} "
                                    "(an erased member's name is gone: use --member ID)")
    if _is_erased(ctx, m.id):
        raise InvalidInput("already_erased", f"member {m.id} is already erased", family_id=family_id)
    if m.state == MembershipState.ACTIVE:
        raise InvalidInput("still_active", "the member is still in the network: remove them first "
                                           "(familyteam member remove)", family_id=family_id)
    return _erase_member(ctx, actor, m)


def forget(ctx: Ctx, actor: Actor) -> int | None:
    """/forget: the member's own data, in every network they have left. None while they are still in one."""
    assert actor.person_id is not None
    places = list(ctx.s.scalars(select(Membership).where(
        Membership.person_id == actor.person_id, Membership.role.not_in([r.value for r in STAFF_ROLES]))))
    if any(m.state == MembershipState.ACTIVE for m in places):
        return None
    todo = [m for m in places if not _is_erased(ctx, m.id)]
    for m in todo:
        _erase_member(ctx, actor, m, scrub_later=True)
    return len(todo)


# --- a whole family -----------------------------------------------------------------------------------------

def _family_texts(ctx: Ctx, family_id: int) -> None:
    """The plan, its versions and the family's record of what happened: texts go, rows stay."""
    fid = family_id
    ctx.s.execute(update(PlanVersion).where(PlanVersion.family_id == fid).values(content={}, reason=""))
    ctx.s.execute(update(BottomLine).where(BottomLine.family_id == fid)
                  .values(text="", key="b" + cast(BottomLine.id, String)))
    ctx.s.execute(update(Commitment).where(Commitment.family_id == fid)
                  .values(text="", question="", key="c" + cast(Commitment.id, String)))
    ctx.s.execute(update(Meeting).where(Meeting.family_id == fid).values(place="", key="m" + cast(Meeting.id, String)))
    checkins = select(Checkin.id).where(Checkin.family_id == fid)
    ctx.s.execute(update(Checkin).where(Checkin.family_id == fid).values(note=None))
    ctx.s.execute(update(CheckinAnswer).where(CheckinAnswer.checkin_id.in_(checkins)).values(note=None))
    ctx.s.execute(update(Escalation).where(Escalation.family_id == fid).values(words=None, resolution_note=None))
    ctx.s.execute(update(ConversationMessage).where(ConversationMessage.family_id == fid)
                  .values(text="", forwarded_from=None))
    ctx.s.execute(delete(PlanDraft).where(PlanDraft.family_id == fid))
    ctx.s.execute(delete(ProtectedTerm).where(ProtectedTerm.family_id == fid))
    _blank_outbox(ctx, OutboxMessage.family_id == fid)


def _staff_summaries(ctx: Ctx, family_id: int, since: datetime) -> None:
    """Daily summaries to the family's staff carry its texts even when filed under another family."""
    staff = select(Membership.person_id).where(Membership.family_id == family_id,
                                               Membership.role.in_([r.value for r in STAFF_ROLES]))
    identities = select(ChatIdentity.id).where(ChatIdentity.person_id.in_(staff))
    _blank_outbox(ctx, OutboxMessage.identity_id.in_(identities), OutboxMessage.kind == OutboxPurpose.DAILY_SUMMARY,
                  OutboxMessage.created_at >= since)


@dataclass(frozen=True)
class FamilyErased:
    family_id: int
    members: int
    persons: int


def _erase_family(ctx: Ctx, actor: Actor, closure: CaseClosure) -> FamilyErased:
    family = get_family(ctx, closure.family_id)
    erased = [_erase_member(ctx, actor, m) for m in ctx.s.scalars(select(Membership).where(
        Membership.family_id == family.id, Membership.role.not_in([r.value for r in STAFF_ROLES]),
        Membership.id.not_in(select(MemberErasure.membership_id))))]
    for m in ctx.s.scalars(select(Membership).where(Membership.family_id == family.id,
                                                    Membership.role.in_([r.value for r in STAFF_ROLES]))):
        m.name = f"{ERASED} {m.id}"  # staff keep their own names; their place here says no more than its role
    _staff_summaries(ctx, family.id, family.created_at)
    _family_texts(ctx, family.id)
    family.alias = ERASED
    closure.erased_at, closure.erase_at = ctx.now, None
    persons = sum(e.person_erased for e in erased)
    audit.record(ctx, actor, "erase.family", family_id=family.id, subject=f"family:{family.id}",
                 detail=f"members {len(erased)}, persons {persons}")
    return FamilyErased(family.id, len(erased), persons)


def erase_family(ctx: Ctx, actor: Actor, family_id: int) -> FamilyErased:
    """Staff erase a closed family now, without waiting for the retention period."""
    family = get_family(ctx, family_id)
    require_staff(ctx, actor, family.id, "erase.family")
    closure = ctx.s.get(CaseClosure, family.id)
    if closure is None:
        raise InvalidInput("not_closed", f"family {family.id} is not closed: close it first (familyteam family "
                                         "close)", family_id=family.id)
    if closure.erased_at is not None:
        raise InvalidInput("already_erased", f"family {family.id} is already erased", family_id=family.id)
    return _erase_family(ctx, actor, closure)


# --- the sweep: erasures that fell due ----------------------------------------------------------------------

def erase_due(ctx: Ctx) -> int:
    """Closed families past their retention period, and chat addresses of forgotten members."""
    done = 0
    for closure in ctx.s.scalars(select(CaseClosure).where(CaseClosure.erase_at <= ctx.now)
                                 .order_by(CaseClosure.erase_at).limit(BATCH)):
        _erase_family(ctx, Actor.engine(), closure)
        done += 1
    for erasure in ctx.s.scalars(select(MemberErasure).where(MemberErasure.scrub_at <= ctx.now).limit(BATCH)):
        if erasure.person_id is not None:
            scrub_identities(ctx, erasure.person_id)
        erasure.scrub_at = None
        done += 1
    return done


# When the erasure sweep next has work (the engine's "when next"): a closed family's erasure or an erased
# member's chat address to scrub, whichever comes first; two indexed MIN()s in one statement.
_MOMENTS = union_all(select(func.min(CaseClosure.erase_at).label("at")),
                     select(func.min(MemberErasure.scrub_at).label("at"))).subquery()
NEXT_ERASURE = select(func.min(_MOMENTS.c.at))
