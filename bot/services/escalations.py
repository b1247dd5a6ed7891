"""Escalations: a broken or unconfirmed bottom line, or a worry, reaching agency staff, up the chain."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import func, select, update

from bot import metrics
from bot.buttons import ButtonAction, make
from bot.domain.routing import escalation_chain
from bot.domain.text import clean_text
from bot.domain.vocabulary import (
    CheckinState,
    EscalationReason,
    EscalationState,
    MembershipState,
    OutboxPurpose,
    Priority,
    Role,
)
from bot.services import audit, notify
from bot.services.context import Actor, Ctx
from bot.services.errors import InvalidInput, NotFound
from bot.services.families import in_working_hours, require_staff, staff_on_call
from messages import escalations as texts
from messages.catalog import Translator, translator
from messages.outbound import OutboundMessage
from storage.models import (
    BottomLine,
    CaseClosure,
    ChatIdentity,
    Checkin,
    CheckinAnswer,
    Commitment,
    ConversationMessage,
    Escalation,
    EscalationNotice,
    Family,
    MemberErasure,
    Membership,
    OutboxMessage,
    Person,
    PlanVersion,
)
from storage.upsert import claim, insert_ignore

log = logging.getLogger(__name__)


def open_escalation(ctx: Ctx, checkin: Checkin, reason: str, answer_id: int | None = None,
                    message_id: int | None = None) -> Escalation | None:
    """Open (once per check-in and reason) and tell the first person in the chain at once."""
    family = ctx.s.get_one(Family, checkin.family_id)
    chain = escalation_chain(staff_on_call(ctx, family), in_working_hours(ctx, family))
    new_id = insert_ignore(ctx.s, Escalation.__table__, {  # type: ignore[arg-type]
        "family_id": family.id, "checkin_id": checkin.id, "answer_id": answer_id, "reason": reason,
        "state": EscalationState.OPEN, "chain": chain, "step": 0, "opened_at": ctx.now, "next_step_at": None,
        "message_id": message_id}, ["checkin_id", "reason"])
    if new_id is None:
        return None
    return _opened(ctx, ctx.s.get_one(Escalation, new_id), family, chain)


def raise_worry(ctx: Ctx, actor: Actor, words: str | None, message_ids: dict[int, int] | None = None
                ) -> list[Escalation]:
    """A member says they are worried when no check-in is open (at 3 a.m., say): it escalates all the same,
    to each family whose network they are in, with their words (and the message they came in, by family)."""
    opened = []
    for membership in _worry_memberships(ctx, actor):
        family = ctx.s.get_one(Family, membership.family_id)
        chain = escalation_chain(staff_on_call(ctx, family), in_working_hours(ctx, family))
        esc = Escalation(family_id=family.id, checkin_id=None, membership_id=membership.id,
                         words=clean_text(words or "").strip()[:4000] or None, reason=EscalationReason.WORRIED,
                         state=EscalationState.OPEN, chain=chain, step=0, opened_at=ctx.now,
                         message_id=(message_ids or {}).get(family.id))
        ctx.s.add(esc)
        ctx.s.flush()
        audit.record(ctx, actor, "worry.raise", family_id=family.id, subject=f"escalation:{esc.id}")
        opened.append(_opened(ctx, esc, family, chain))
    return opened


def _worry_memberships(ctx: Ctx, actor: Actor) -> list[Membership]:
    """Where a worry goes: each family whose network the person is in; someone who left or was removed, the
    family they were last in (unless it is closed or their data erased), so a worry is never dropped."""
    network = Membership.role.in_([r.value for r in Role if r.is_network])
    active = list(ctx.s.scalars(select(Membership).where(
        Membership.person_id == actor.person_id, Membership.state == MembershipState.ACTIVE, network)))
    if active:
        return active
    former = ctx.s.scalar(select(Membership).where(
        Membership.person_id == actor.person_id, Membership.state == MembershipState.LEFT, network,
        ~Membership.family_id.in_(select(CaseClosure.family_id)),
        ~Membership.id.in_(select(MemberErasure.membership_id))).order_by(Membership.left_at.desc()).limit(1))
    return [former] if former is not None else []


def first_told(ctx: Ctx, esc: Escalation) -> str | None:
    """The name of the first person an escalation alerted (None: nobody could be)."""
    return ctx.s.scalar(select(Person.display_name).where(Person.id == esc.chain[0])) if esc.chain else None


def _opened(ctx: Ctx, esc: Escalation, family: Family, chain: list[int]) -> Escalation:
    audit.record(ctx, Actor.engine(), "escalation.open", family_id=family.id, subject=f"escalation:{esc.id}",
                 detail=esc.reason)
    if chain:
        notify_step(ctx, esc, 0)
    return esc


def _alert_key(esc: Escalation, step: int) -> str:
    return f"esc:{esc.id}:step:{step}"


def notify_step(ctx: Ctx, esc: Escalation, step: int) -> None:
    family = ctx.s.get_one(Family, esc.family_id)
    person_id = esc.chain[step]
    person = ctx.s.get_one(Person, person_id)
    role = _role_of(ctx, person_id, family.id)
    esc.step = step
    # After the last person, reminders follow at the same pace (move_on_due), so it never goes quiet.
    esc.next_step_at = ctx.now + timedelta(minutes=family.ack_timeout_minutes)
    facts, zone = alert_facts(ctx, esc), notify.person_timezone(person, family)
    sent = notify.to_person(ctx, person_id, family, lambda tr: texts.alert_for(tr, facts, person_id, zone),
                            key=_alert_key(esc, step), purpose=OutboxPurpose.ESCALATION, urgent=True,
                            escalation_id=esc.id, escalation_step=step)
    if not sent:
        # No chat we can reach (never linked, or blocked): do not wait out the timeout for nobody.
        audit.record(ctx, Actor.engine(), "escalation.unreachable", family_id=family.id,
                     subject=f"escalation:{esc.id}", outcome="failed", detail=f"step {step} {role}")
        if step + 1 < len(esc.chain):
            notify_step(ctx, esc, step + 1)
        elif not ctx.s.scalar(select(EscalationNotice.id).where(EscalationNotice.escalation_id == esc.id).limit(1)):
            log.error("escalation %s: nobody in its chain can be reached", esc.id)
            esc.next_step_at = None
        return
    ctx.s.add(EscalationNotice(escalation_id=esc.id, step=step, person_id=person_id, role=role, notified_at=ctx.now))
    ctx.s.flush()
    if step > 0:
        _tell_earlier(ctx, esc, lambda tr: texts.escalation_update(tr, "moved_on", person.display_name,
                                                                    tr.when(ctx.now, family.timezone)),
                      key=f"esc:{esc.id}:moved:{step}", before_step=step)
    audit.record(ctx, Actor.engine(), "escalation.notify", family_id=family.id, subject=f"escalation:{esc.id}",
                 detail=f"step {step} {role}")


def _role_of(ctx: Ctx, person_id: int, family_id: int) -> str:
    role = ctx.s.scalar(select(Membership.role).where(Membership.person_id == person_id,
                                                      Membership.family_id == family_id,
                                                      Membership.state == "active"))
    return role or "cover"


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


def alert_title(ctx: Ctx, tr: Translator, escalation_id: int, for_person: int) -> str | None:
    """The alert's one-line title as `for_person` sees it, or None once the escalation is resolved."""
    esc = get_escalation(ctx, escalation_id)
    if esc.state == EscalationState.RESOLVED:
        return None
    return alert_message(ctx, tr, esc, for_person).title or ""


def _alerts_sent(ctx: Ctx, esc: Escalation, before_step: int | None = None) -> list[tuple[int, int, Person]]:
    """(outbox id, identity id, person) of every alert of this escalation recorded so far."""
    q = (select(OutboxMessage.id, OutboxMessage.identity_id, Person)
         .join(ChatIdentity, ChatIdentity.id == OutboxMessage.identity_id)
         .join(Person, Person.id == ChatIdentity.person_id)
         .where(OutboxMessage.escalation_id == esc.id, OutboxMessage.kind == OutboxPurpose.ESCALATION))
    if before_step is not None:
        q = q.where(OutboxMessage.escalation_step < before_step)
    return [(oid, identity_id, person) for oid, identity_id, person in ctx.s.execute(q.order_by(OutboxMessage.id))]


def _to_alerts(ctx: Ctx, esc: Escalation, family: Family, build: Callable[[Translator, Person], OutboundMessage],
               *, key: str, before_step: int | None = None, edit: bool = False) -> None:
    """A message for each alert sent so far: an in-place edit of it (`edit`), or a reply in its thread.
    One statement for all of them, however many people were told."""
    out = []
    for parent, identity_id, person in _alerts_sent(ctx, esc, before_step):
        message = build(translator(notify.person_language(person, family)), person)
        if edit:
            message.edit_of = parent
        else:
            message.thread_of = parent
        out.append((identity_id, message, f"{key}@{identity_id}"))
    notify.enqueue_many(ctx, out, notify.Link(OutboxPurpose.ESCALATION_UPDATE, escalation_id=esc.id),
                        family_id=family.id, priority=Priority.URGENT)


def _tell_earlier(ctx: Ctx, esc: Escalation, build: notify.Render, *, key: str, before_step: int | None = None) -> None:
    """A follow-up in the thread of each earlier alert."""
    family = ctx.s.get_one(Family, esc.family_id)
    _to_alerts(ctx, esc, family, lambda tr, _person: build(tr), key=key, before_step=before_step)


def _refresh_alerts(ctx: Ctx, esc: Escalation, status_key: str, status: notify.Render) -> None:
    """Update every alert in place (buttons follow the new state) where the platform can edit. What the
    alert says is gathered once; each reader's copy is rendered from it."""
    family = ctx.s.get_one(Family, esc.family_id)
    facts = alert_facts(ctx, esc)

    def build(tr: Translator, person: Person) -> OutboundMessage:
        return texts.alert_for(tr, facts, person.id, notify.person_timezone(person, family), status(tr).text)

    _to_alerts(ctx, esc, family, build, key=f"esc:{esc.id}:{status_key}", edit=True)


def get_escalation(ctx: Ctx, escalation_id: int) -> Escalation:
    esc = ctx.s.get(Escalation, escalation_id)
    if esc is None:
        raise NotFound("no_escalation", f"no escalation {escalation_id}")
    return esc


def acknowledge(ctx: Ctx, actor: Actor, escalation_id: int) -> bool:
    """True if this call acknowledged it; False if it was already acknowledged or resolved."""
    esc = get_escalation(ctx, escalation_id)
    require_staff(ctx, actor, esc.family_id, "escalation.acknowledge")
    if not claim(ctx.s, update(Escalation).where(Escalation.id == esc.id, Escalation.state == EscalationState.OPEN)
                 .values(state=EscalationState.ACKNOWLEDGED, acknowledged_at=ctx.now,
                         acknowledged_by=actor.person_id, next_step_at=None)):
        return False
    ctx.s.refresh(esc)
    metrics.acknowledged(esc.opened_at, ctx.now)
    family = ctx.s.get_one(Family, esc.family_id)
    who = _actor_name(ctx, actor)
    audit.record(ctx, actor, "escalation.acknowledge", family_id=esc.family_id, subject=f"escalation:{esc.id}")
    _refresh_alerts(ctx, esc, "ack", lambda tr: texts.escalation_update(
        tr, "acknowledged", who, tr.when(ctx.now, family.timezone)))
    return True


def resolve(ctx: Ctx, actor: Actor, escalation_id: int, note: str) -> bool:
    esc = get_escalation(ctx, escalation_id)
    require_staff(ctx, actor, esc.family_id, "escalation.resolve")
    note = clean_text(note).strip()
    if not note:
        raise InvalidInput("note_required", "please write a short note saying how it was resolved")
    if not claim(ctx.s, update(Escalation).where(
            Escalation.id == esc.id, Escalation.state.in_([EscalationState.OPEN, EscalationState.ACKNOWLEDGED]))
            .values(state=EscalationState.RESOLVED, resolved_at=ctx.now, resolved_by=actor.person_id,
                    resolution_note=note[:2000], next_step_at=None)):
        return False
    ctx.s.refresh(esc)
    if esc.acknowledged_at is None:
        esc.acknowledged_at, esc.acknowledged_by = ctx.now, actor.person_id
        metrics.acknowledged(esc.opened_at, ctx.now)
    family = ctx.s.get_one(Family, esc.family_id)
    who = _actor_name(ctx, actor)
    audit.record(ctx, actor, "escalation.resolve", family_id=esc.family_id, subject=f"escalation:{esc.id}")
    _refresh_alerts(ctx, esc, "resolved", lambda tr: texts.escalation_update(
        tr, "resolved", who, tr.when(ctx.now, family.timezone), note))
    return True


def _actor_name(ctx: Ctx, actor: Actor) -> str:
    if actor.person_id:
        return ctx.s.get_one(Person, actor.person_id).display_name
    return actor.label


def tell_late_answer(ctx: Ctx, checkin: Checkin, member: str, answer: str) -> None:
    """A late answer never closes an escalation; it is shown as a follow-up to everyone told."""
    family = ctx.s.get_one(Family, checkin.family_id)
    for esc in ctx.s.scalars(select(Escalation).where(Escalation.checkin_id == checkin.id)):
        _tell_earlier(ctx, esc, lambda tr: texts.late_answer_followup(
            tr, family.alias, member, answer, tr.when(ctx.now, family.timezone)),
            key=f"esc:{esc.id}:late:{answer}:{ctx.now:%Y%m%dT%H%M%S}")


def move_on_due(ctx: Ctx, limit: int = 200) -> int:
    """Escalations nobody acknowledged in time go to the next person. Claimed with a conditional update."""
    moved = 0
    due = list(ctx.s.execute(select(Escalation.id, Escalation.step).where(
        Escalation.state == EscalationState.OPEN, Escalation.next_step_at.is_not(None),
        Escalation.next_step_at <= ctx.now).order_by(Escalation.next_step_at).limit(limit)))
    for esc_id, step in due:
        if not claim(ctx.s, update(Escalation).where(Escalation.id == esc_id, Escalation.step == step,
                                                     Escalation.state == EscalationState.OPEN)
                     .values(step=step + 1, next_step_at=None)):
            continue
        esc = ctx.s.get_one(Escalation, esc_id)
        ctx.s.refresh(esc)
        if step + 1 < len(esc.chain):
            notify_step(ctx, esc, step + 1)
        else:
            _remind(ctx, esc, step + 1 - (len(esc.chain) - 1))
        moved += 1
    return moved


REMINDER_ROUNDS = 3


def _remind(ctx: Ctx, esc: Escalation, round_no: int) -> None:
    """Everyone in the chain has been told and nobody acknowledged: remind them all, a few times."""
    family = ctx.s.get_one(Family, esc.family_id)
    _tell_earlier(ctx, esc, lambda tr: texts.escalation_reminder(tr, family.alias),
                  key=f"esc:{esc.id}:remind:{round_no}")
    audit.record(ctx, Actor.engine(), "escalation.remind", family_id=family.id, subject=f"escalation:{esc.id}",
                 detail=f"round {round_no}")
    if round_no < REMINDER_ROUNDS:
        esc.next_step_at = ctx.now + timedelta(minutes=family.ack_timeout_minutes)


def move_on_now(ctx: Ctx, escalation_id: int, step: int) -> None:
    """The alert for this step could not be delivered: go to the next person at the next sweep."""
    ctx.s.execute(update(Escalation).where(Escalation.id == escalation_id, Escalation.step == step,
                                           Escalation.state == EscalationState.OPEN).values(next_step_at=ctx.now),
                  execution_options={"synchronize_session": False})
