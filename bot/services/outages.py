"""Outages are not misses. A check-in whose question never reached the member (the bot was down across its
time, the chat platform could not be reached, the chat blocked the bot) is recorded as "not asked" when its
grace runs out: no nudge, no escalation. One that can still be asked after recovery is asked late, saying
so (bot.services.checkins.ask_due). The caseworker of each family gets one notice for what a pass found
not asked: the time span, what was not asked, and which bottom lines to check by hand."""

from __future__ import annotations

from datetime import datetime
from functools import partial

from sqlalchemy import select, update

from bot.domain.vocabulary import CheckinState, OutboxPurpose, OutboxState, Role
from bot.services import audit, notify
from bot.services.context import Actor, Ctx
from bot.services.families import staff_person
from messages import relay as texts
from messages.catalog import Translator
from messages.outbound import OutboundMessage
from storage.models import Checkin, Commitment, Family, Membership, OutboxMessage, Person
from storage.upsert import claim


def was_asked(ctx: Ctx, checkin_id: int) -> bool:
    """Whether the check-in's question was delivered to some chat of the member."""
    return ctx.s.scalar(select(OutboxMessage.id).where(
        OutboxMessage.checkin_id == checkin_id, OutboxMessage.kind == OutboxPurpose.CHECKIN,
        OutboxMessage.state == OutboxState.SENT).limit(1)) is not None


def mark_not_asked(ctx: Ctx, checkin: Checkin) -> bool:
    """Grace ran out before the question reached the member: not asked, and a question still waiting
    (retrying, held for a blocked chat) is given up, so it never arrives out of its time."""
    if not claim(ctx.s, update(Checkin).where(Checkin.id == checkin.id, Checkin.state == CheckinState.PENDING)
                 .values(state=CheckinState.NOT_ASKED)):
        return False
    ctx.s.execute(update(OutboxMessage).where(
        OutboxMessage.checkin_id == checkin.id, OutboxMessage.kind == OutboxPurpose.CHECKIN,
        OutboxMessage.state.in_([OutboxState.PENDING, OutboxState.BLOCKED])).values(
        state=OutboxState.FAILED, last_error="not asked in time"), execution_options={"synchronize_session": False})
    audit.record(ctx, Actor.engine(), "checkin.not_asked", family_id=checkin.family_id,
                 subject=f"checkin:{checkin.id}")
    return True


def tell_staff(ctx: Ctx, checkin_ids: list[int]) -> None:
    """One notice per family to its caseworker for these not-asked check-ins."""
    if not checkin_ids:
        return
    rows = ctx.s.execute(
        select(Checkin.id, Checkin.family_id, Checkin.due_at, Commitment.question, Commitment.bottom_line_id,
               Membership.name)
        .join(Commitment, Commitment.id == Checkin.commitment_id)
        .join(Membership, Membership.id == Commitment.owner_membership_id)
        .where(Checkin.id.in_(checkin_ids)).order_by(Checkin.due_at, Checkin.id)).all()
    by_family: dict[int, list[tuple[datetime, str, str, bool]]] = {}
    for row in rows:
        by_family.setdefault(row.family_id, []).append(
            (row.due_at, row.name, row.question, row.bottom_line_id is not None))
    for family_id, items in by_family.items():
        caseworker = staff_person(ctx, family_id, Role.CASEWORKER)
        if caseworker is None:
            continue
        family = ctx.s.get_one(Family, family_id)
        tz = notify.person_timezone(ctx.s.get_one(Person, caseworker), family)
        notify.to_person(ctx, caseworker, family, partial(_render, alias=family.alias, items=items, tz=tz,
                                                          until=ctx.now),
                         key=f"outage:{family_id}:{min(checkin_ids)}", purpose=OutboxPurpose.OUTAGE)


def _render(tr: Translator, alias: str, items: list[tuple[datetime, str, str, bool]], tz: str,
            until: datetime) -> OutboundMessage:
    return texts.outage_notice(tr, alias, tr.when(items[0][0], tz), tr.when(until, tz),
                               [(tr.when(due, tz), name, question, bottom) for due, name, question, bottom in items])
