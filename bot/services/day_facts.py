"""The rest of a caseworker's daily picture: what members answered besides "done" (not done with their notes,
late answers), who left or said no, who cannot be reached, and what was handled while the caseworker was not
holding the family (alerts that reached duty, cover or the supervisor first, and how they ended). Facts for
staff, gathered in a few queries per family; the words are messages/summaries.py."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, exists, select

from bot.domain.vocabulary import Answer, MembershipState, Role
from bot.services.context import Ctx
from messages.summaries import DayFacts, Handled
from storage.models import ChatIdentity, Checkin, CheckinAnswer, Commitment, Escalation, Family, Membership


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
    return DayFacts(not_done, late, gone, unreachable, _handled(ctx, family, since, until))


def _handled(ctx: Ctx, family: Family, since: datetime, until: datetime) -> list[Handled]:
    """Alerts opened in the window whose first holder was not the caseworker (duty at night, a cover, the
    supervisor): what happened, who took it, how it stands."""
    rows = ctx.s.scalars(select(Escalation).where(and_(
        Escalation.family_id == family.id, Escalation.opened_at >= since, Escalation.opened_at < until))
        .order_by(Escalation.opened_at))
    return [Handled(esc.reason, esc.opened_at, (esc.chain_roles or ["caseworker"])[0], esc.state,
                    esc.acknowledged_at is not None)
            for esc in rows if (esc.chain_roles or ["caseworker"])[0] != "caseworker"]
