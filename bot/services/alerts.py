"""What an escalation's alerts say, gathered once per escalation and rendered per reader, and the messages
that follow them: a reply in each alert's thread, or each alert edited in place."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import func, select

from bot.buttons import ButtonAction, make
from bot.domain.vocabulary import CheckinState, EscalationState, OutboxPurpose, OutboxState, Priority
from bot.services import notify
from bot.services.context import Ctx
from messages import escalations as texts
from messages.catalog import Translator, translator
from messages.outbound import OutboundMessage
from storage.models import (
    BottomLine,
    ChatIdentity,
    Checkin,
    CheckinAnswer,
    Commitment,
    ConversationMessage,
    Escalation,
    EscalationNotice,
    Family,
    Membership,
    OutboxMessage,
    Person,
    PlanVersion,
)


def alert_facts(ctx: Ctx, esc: Escalation) -> texts.AlertFacts:
    """Everything the alert says, in a few queries, once per escalation whoever reads it."""
    family, checkin, commitment, owner, bottom_line, answer = ctx.s.execute(
        select(Family, Checkin, Commitment, Membership, BottomLine, CheckinAnswer).select_from(Escalation)
        .join(Family, Family.id == Escalation.family_id)
        .outerjoin(Checkin, Checkin.id == Escalation.checkin_id)
        .outerjoin(Commitment, Commitment.id == Checkin.commitment_id)
        .join(Membership, Membership.id == func.coalesce(Commitment.owner_membership_id, Escalation.membership_id))
        .outerjoin(BottomLine, BottomLine.id == Commitment.bottom_line_id)
        .outerjoin(CheckinAnswer, CheckinAnswer.id == Escalation.answer_id)
        .where(Escalation.id == esc.id)).one()
    history = [(due, state) for due, state in ctx.s.execute(select(Checkin.due_at, Checkin.state).where(
        Checkin.commitment_id == commitment.id, Checkin.due_at > ctx.now - timedelta(days=7),
        Checkin.due_at <= ctx.now, Checkin.state != CheckinState.CANCELLED).order_by(Checkin.due_at)
    )] if commitment else []
    plan = ctx.s.scalar(select(PlanVersion.content).where(PlanVersion.family_id == family.id)
                        .order_by(PlanVersion.number.desc()).limit(1))
    told = [(pid, name) for pid, name in ctx.s.execute(select(Person.id, Person.display_name).join(
        EscalationNotice, EscalationNotice.person_id == Person.id).where(
        EscalationNotice.escalation_id == esc.id).order_by(EscalationNotice.id))]
    data = {}
    if esc.state == EscalationState.OPEN:
        data = {"ack": make(ctx.secret, ButtonAction.ACK, esc.id),
                "resolve": make(ctx.secret, ButtonAction.RESOLVE, esc.id)}
    elif esc.state == EscalationState.ACKNOWLEDGED:
        data = {"resolve": make(ctx.secret, ButtonAction.RESOLVE, esc.id)}
    said = ctx.s.get(ConversationMessage, esc.message_id) if esc.message_id else None
    return texts.AlertFacts(
        forwarded_from=(said.forwarded_from or "") if said is not None and said.forwarded else None,
        edited=bool(said and said.edited), alias=family.alias, family_tz=family.timezone, reason=esc.reason,
        bottom_line=bottom_line.text if bottom_line else None, commitment=commitment.text if commitment else None,
        member=owner.name, when=checkin.due_at if checkin else esc.opened_at,
        answered_at=answer.at if answer else None, words=answer.note if answer else esc.words, history=history,
        contingency=(plan or {}).get("contingency", ""), told=told, step=esc.step, data=data)


def alert_message(ctx: Ctx, tr: Translator, esc: Escalation, for_person: int, status: str | None = None
                  ) -> OutboundMessage:
    """The alert as `for_person` reads it (one reader; for many, gather alert_facts once)."""
    family = ctx.s.get_one(Family, esc.family_id)
    reader = ctx.s.get(Person, for_person)
    zone = notify.person_timezone(reader, family) if reader else family.timezone
    return texts.alert_for(tr, alert_facts(ctx, esc), for_person, zone, status)


def alerts_sent(ctx: Ctx, esc: Escalation, before_step: int | None = None, first_only: bool = False
                ) -> list[tuple[int, int, Person]]:
    """(outbox id, identity id, person) of every alert of this escalation recorded so far (not those
    cancelled or failed: there is nothing to edit or reply to); `first_only`: each chat's first alert."""
    q = (select(OutboxMessage.id, OutboxMessage.identity_id, Person)
         .join(ChatIdentity, ChatIdentity.id == OutboxMessage.identity_id)
         .join(Person, Person.id == ChatIdentity.person_id)
         .where(OutboxMessage.escalation_id == esc.id, OutboxMessage.kind == OutboxPurpose.ESCALATION,
                OutboxMessage.state.not_in([OutboxState.CANCELLED, OutboxState.FAILED])))
    if before_step is not None:
        q = q.where(OutboxMessage.escalation_step < before_step)
    rows = [(oid, identity_id, person) for oid, identity_id, person in ctx.s.execute(q.order_by(OutboxMessage.id))]
    if first_only:
        seen: set[int] = set()
        rows = [row for row in rows if row[1] not in seen and not seen.add(row[1])]  # type: ignore[func-returns-value]
    return rows


def to_alerts(ctx: Ctx, esc: Escalation, family: Family, build: Callable[[Translator, Person], OutboundMessage],
              *, key: str, before_step: int | None = None, edit: bool = False) -> None:
    """A message for each alert sent so far: an in-place edit of each one (`edit`), or a reply in the thread
    of each chat's first alert. One statement for all of them, however many people were told."""
    out = []
    for parent, identity_id, person in alerts_sent(ctx, esc, before_step, first_only=not edit):
        message = build(translator(notify.person_language(person, family)), person)
        if edit:
            message.edit_of = parent
            out.append((identity_id, message, f"{key}@{parent}"))
        else:
            message.thread_of = parent
            out.append((identity_id, message, f"{key}@{identity_id}"))
    notify.enqueue_many(ctx, out, notify.Link(OutboxPurpose.ESCALATION_UPDATE, escalation_id=esc.id),
                        family_id=family.id, priority=Priority.URGENT)


def tell_earlier(ctx: Ctx, esc: Escalation, build: notify.Render, *, key: str, before_step: int | None = None) -> None:
    """A follow-up in the thread of each earlier alert."""
    family = ctx.s.get_one(Family, esc.family_id)
    to_alerts(ctx, esc, family, lambda tr, _person: build(tr), key=key, before_step=before_step)


def refresh_alerts(ctx: Ctx, esc: Escalation, status_key: str, status: notify.Render) -> None:
    """Update every alert in place (buttons follow the new state) where the platform can edit. What the
    alert says is gathered once; each reader's copy is rendered from it."""
    family = ctx.s.get_one(Family, esc.family_id)
    facts = alert_facts(ctx, esc)

    def build(tr: Translator, person: Person) -> OutboundMessage:
        return texts.alert_for(tr, facts, person.id, notify.person_timezone(person, family), status(tr).text)

    to_alerts(ctx, esc, family, build, key=f"esc:{esc.id}:{status_key}", edit=True)
