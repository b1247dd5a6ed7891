"""The rest of a caseworker's daily picture: what members answered besides "done" (not done with their notes,
late answers), who left or said no, who cannot be reached, and what was handled while the caseworker was not
holding the family (alerts that reached duty, cover or the supervisor first, and how they ended). Facts for
staff, gathered in a few queries per family; the words are messages/summaries.py."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, exists, select

from bot.domain.vocabulary import Answer, Direction, MembershipState, Role
from bot.services.context import Ctx
from messages.summaries import DayFacts, Handled, RelayHandled, Rsvp
from storage.models import (
    ChatIdentity,
    Checkin,
    CheckinAnswer,
    Commitment,
    ConversationMessage,
    Escalation,
    Family,
    Meeting,
    MeetingInvitee,
    Membership,
)


def day_facts(ctx: Ctx, family: Family, since: datetime, until: datetime) -> DayFacts:
    members = {m.id: m for m in ctx.s.scalars(select(Membership).where(Membership.family_id == family.id))}
    by_person = {m.person_id: m.name for m in members.values() if m.person_id is not None}
    answers = ctx.s.execute(
        select(CheckinAnswer, Commitment.text).join(Checkin, Checkin.id == CheckinAnswer.checkin_id)
        .join(Commitment, Commitment.id == Checkin.commitment_id)
        .where(Checkin.family_id == family.id, CheckinAnswer.at >= since, CheckinAnswer.at < until)
        .order_by(CheckinAnswer.at)).all()
    not_done = [(by_person.get(a.person_id, ""), text, a.at, a.note) for a, text in answers
                if a.answer == Answer.NOT_DONE]
    late = [(by_person.get(a.person_id, ""), text, a.answer, a.at) for a, text in answers if a.late]
    gone = [(m.name, m.state) for m in members.values()
            if m.state in (MembershipState.LEFT, MembershipState.DECLINED) and m.left_at is not None
            and since <= m.left_at < until]
    reachable = exists().where(ChatIdentity.person_id == Membership.person_id, ChatIdentity.blocked_at.is_(None))
    unreachable = list(ctx.s.scalars(select(Membership.name).where(
        Membership.family_id == family.id, Membership.state == MembershipState.ACTIVE,
        Membership.role.in_([r.value for r in Role if r.is_network]), ~reachable)))
    return DayFacts(not_done, late, gone, unreachable, _handled(ctx, family, since, until),
                    _relays(ctx, family, since, until, {m.id: m.name for m in members.values()}),
                    _rsvps(ctx, family, since, until))


def _handled(ctx: Ctx, family: Family, since: datetime, until: datetime) -> list[Handled]:
    """Alerts opened in the window whose first holder was not the caseworker (duty at night, a cover, the
    supervisor): what happened, who took it, how it stands."""
    rows = ctx.s.scalars(select(Escalation).where(and_(
        Escalation.family_id == family.id, Escalation.opened_at >= since, Escalation.opened_at < until))
        .order_by(Escalation.opened_at))
    return [Handled(esc.reason, esc.opened_at, (esc.chain_roles or ["caseworker"])[0], esc.state,
                    esc.acknowledged_at is not None, esc.resolution_note)
            for esc in rows if (esc.chain_roles or ["caseworker"])[0] != "caseworker"]


def _relays(ctx: Ctx, family: Family, since: datetime, until: datetime, names: dict[int, str]) -> list[RelayHandled]:
    """Members' messages of the window passed on to someone other than the caseworker (duty, a cover, the
    supervisor), each with the role of the first staff reply to that member after it, if any (until now)."""
    rows = list(ctx.s.execute(select(ConversationMessage.membership_id, ConversationMessage.at,
                                     ConversationMessage.relayed_role, ConversationMessage.direction,
                                     ConversationMessage.author_role).where(
        ConversationMessage.family_id == family.id, ConversationMessage.at >= since,
        ConversationMessage.at < ctx.now).order_by(ConversationMessage.at, ConversationMessage.id)))
    replies = [(mid, at, role) for mid, at, _relayed, direction, role in rows if direction == Direction.TO_MEMBER]
    found = []
    for mid, at, relayed, direction, _author in rows:
        if direction != Direction.FROM_MEMBER or relayed in (None, Role.CASEWORKER) or at >= until:
            continue
        answered = next((role for rmid, rat, role in replies if rmid == mid and rat >= at), None)
        found.append(RelayHandled(names.get(mid, ""), at, relayed, answered))
    return found


def _rsvps(ctx: Ctx, family: Family, since: datetime, until: datetime) -> list[Rsvp]:
    """Meeting replies received in the window: who said what for which meeting."""
    return [Rsvp(name, reply or "", kind, starts_at) for name, reply, kind, starts_at in ctx.s.execute(
        select(Membership.name, MeetingInvitee.reply, Meeting.kind, Meeting.starts_at)
        .join(Meeting, Meeting.id == MeetingInvitee.meeting_id)
        .join(Membership, Membership.id == MeetingInvitee.membership_id)
        .where(Meeting.family_id == family.id, MeetingInvitee.reply.is_not(None),
               MeetingInvitee.replied_at >= since, MeetingInvitee.replied_at < until)
        .order_by(MeetingInvitee.replied_at))]
