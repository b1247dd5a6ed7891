"""Escalations: a broken or unconfirmed bottom line, or a worry, reaching agency staff, up the chain and
round it until a person takes it (acknowledges). What the alerts say is bot.services.alerts; the pace
(repeat, move on, go round) is bot.domain.routing; the member who raised it is told who has it
(bot.services.alert_holder)."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select, update

from bot import metrics
from bot.domain.routing import AlertPace, chain_exhausted, chain_index, escalation_steps, final_stop
from bot.domain.text import clean_text
from bot.domain.vocabulary import (
    EscalationReason,
    EscalationState,
    MembershipState,
    OutboxPurpose,
    OutboxState,
    Role,
)
from bot.services import alert_holder, alerts, audit, notify, second_channel
from bot.services.alerts import alert_message, refresh_alerts, tell_earlier
from bot.services.context import Actor, Ctx
from bot.services.errors import InvalidInput, NotFound
from bot.services.families import in_working_hours, require_staff, staff_on_call
from messages import escalations as texts
from messages.catalog import Translator
from storage.models import (
    CaseClosure,
    Checkin,
    Escalation,
    EscalationNotice,
    Family,
    MemberErasure,
    Membership,
    OutboxMessage,
    Person,
)
from storage.upsert import claim, insert_ignore

__all__ = ["acknowledge", "alert_message", "move_on_due", "open_escalation", "raise_worry", "resolve"]

log = logging.getLogger(__name__)


def _route(ctx: Ctx, family: Family) -> tuple[list[int], list[str]]:
    steps = escalation_steps(staff_on_call(ctx, family), in_working_hours(ctx, family))
    return [s.person for s in steps], [s.role for s in steps]


def pace(ctx: Ctx, family: Family) -> AlertPace:
    return AlertPace(family.ack_timeout_minutes, ctx.settings.alert_repeat_minutes, ctx.settings.alert_loops)


def open_escalation(ctx: Ctx, checkin: Checkin, reason: str, answer_id: int | None = None,
                    message_id: int | None = None) -> Escalation | None:
    """Open (once per check-in and reason) and tell the first person in the chain at once."""
    family = ctx.s.get_one(Family, checkin.family_id)
    chain, roles = _route(ctx, family)
    new_id = insert_ignore(ctx.s, Escalation.__table__, {  # type: ignore[arg-type]
        "family_id": family.id, "checkin_id": checkin.id, "answer_id": answer_id, "reason": reason,
        "state": EscalationState.OPEN, "chain": chain, "chain_roles": roles, "step": 0, "repeats": 0,
        "opened_at": ctx.now, "next_step_at": None, "message_id": message_id}, ["checkin_id", "reason"])
    if new_id is None:
        return None
    return _opened(ctx, ctx.s.get_one(Escalation, new_id), family)


def raise_worry(ctx: Ctx, actor: Actor, words: str | None, message_ids: dict[int, int] | None = None
                ) -> list[Escalation]:
    """A member says they are worried when no check-in is open (at 3 a.m., say): it escalates all the same,
    to each family whose network they are in, with their words (and the message they came in, by family)."""
    opened = []
    for membership in _worry_memberships(ctx, actor):
        family = ctx.s.get_one(Family, membership.family_id)
        chain, roles = _route(ctx, family)
        esc = Escalation(family_id=family.id, checkin_id=None, membership_id=membership.id,
                         words=clean_text(words or "").strip()[:4000] or None, reason=EscalationReason.WORRIED,
                         state=EscalationState.OPEN, chain=chain, chain_roles=roles, step=0, repeats=0,
                         opened_at=ctx.now, message_id=(message_ids or {}).get(family.id))
        ctx.s.add(esc)
        ctx.s.flush()
        audit.record(ctx, actor, "worry.raise", family_id=family.id, subject=f"escalation:{esc.id}")
        opened.append(_opened(ctx, esc, family))
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


def _opened(ctx: Ctx, esc: Escalation, family: Family) -> Escalation:
    audit.record(ctx, Actor.engine(), "escalation.open", family_id=family.id, subject=f"escalation:{esc.id}",
                 detail=esc.reason)
    begin_step(ctx, esc, 0)
    return esc


def roles_told(ctx: Ctx, escalation_ids: list[int]) -> list[str]:
    """The roles actually alerted for these escalations (from the notices written), first told first."""
    if not escalation_ids:
        return []
    rows = ctx.s.scalars(select(EscalationNotice.role).where(EscalationNotice.escalation_id.in_(escalation_ids))
                         .order_by(EscalationNotice.id))
    return list(dict.fromkeys(rows))


def _role(esc: Escalation, index: int) -> str:
    roles = esc.chain_roles or []
    return roles[index] if index < len(roles) else "caseworker"


def _index(esc: Escalation, step: int, loops: int) -> int:
    return chain_index(len(esc.chain), step, loops, final_stop([_role(esc, i) for i in range(len(esc.chain))]))


def begin_step(ctx: Ctx, esc: Escalation, step: int) -> None:
    """Alert the person who holds absolute step `step` (the chain goes round; bot.domain.routing). One who
    cannot be reached is skipped at once, for at most one round; with nobody reachable, or nobody in the
    chain, it is tried again at the next repeat: it never goes quiet while open."""
    family = ctx.s.get_one(Family, esc.family_id)
    p = pace(ctx, family)
    n = len(esc.chain)
    for attempt in range(max(n, 1)):
        esc.step, esc.repeats = step + attempt, 0
        if n and chain_exhausted(n, esc.step, p.loops):
            second_channel.chain_exhausted(ctx, esc, family)
        if n and _alert(ctx, esc, family, p):
            repeat_at = ctx.now + timedelta(minutes=p.repeat_minutes)
            if p.loops and esc.step >= p.loops * n:  # the rounds are used up: it stays here, repeating
                esc.step_ends_at, esc.next_step_at = None, repeat_at
            else:
                esc.step_ends_at = ctx.now + timedelta(minutes=p.step_minutes)
                esc.next_step_at = min(repeat_at, esc.step_ends_at)
            return
    second_channel.chain_exhausted(ctx, esc, family)  # nobody could be alerted: the duty phone, if there is one
    log.error("escalation %s: nobody in its chain can be reached", esc.id)
    audit.record(ctx, Actor.engine(), "escalation.nobody", family_id=family.id, subject=f"escalation:{esc.id}",
                 outcome="failed", detail=f"step {esc.step}")
    esc.step_ends_at = esc.next_step_at = ctx.now + timedelta(minutes=p.repeat_minutes)


def _alert(ctx: Ctx, esc: Escalation, family: Family, p: AlertPace, repeat: int = 0) -> bool:
    """The alert to the person at the current step (or a repeat of it). False if they cannot be reached."""
    index = _index(esc, esc.step, p.loops)
    person_id, role = esc.chain[index], _role(esc, index)
    person = ctx.s.get_one(Person, person_id)
    facts, zone = alerts.alert_facts(ctx, esc), notify.person_timezone(person, family)
    status = (lambda tr: texts.repeat_status(tr, repeat)) if repeat else (lambda tr: None)
    sent = notify.to_person(ctx, person_id, family,
                            lambda tr: texts.alert_for(tr, facts, person_id, zone, status(tr)),
                            key=f"esc:{esc.id}:step:{esc.step}" + (f":repeat:{repeat}" if repeat else ""),
                            purpose=OutboxPurpose.ESCALATION, urgent=True, escalation_id=esc.id,
                            escalation_step=esc.step)
    if not sent:
        audit.record(ctx, Actor.engine(), "escalation.unreachable", family_id=family.id,
                     subject=f"escalation:{esc.id}", outcome="failed", detail=f"step {esc.step} {role}")
        return False
    if repeat:
        audit.record(ctx, Actor.engine(), "escalation.repeat", family_id=family.id, subject=f"escalation:{esc.id}",
                     detail=f"step {esc.step} {role} repeat {repeat}")
        return True
    first_time = insert_ignore(ctx.s, EscalationNotice.__table__, {  # type: ignore[arg-type]
        "escalation_id": esc.id, "step": esc.step, "person_id": person_id, "role": role,
        "notified_at": ctx.now}, ["escalation_id", "person_id"]) is not None
    if first_time and esc.step > 0:
        tell_earlier(ctx, esc, lambda tr: texts.escalation_update(tr, "moved_on", person.display_name,
                                                                 tr.when(ctx.now, family.timezone)),
                     key=f"esc:{esc.id}:moved:{esc.step}", before_step=esc.step)
        alert_holder.tell_moved(ctx, esc, family, role)
    audit.record(ctx, Actor.engine(), "escalation.notify", family_id=family.id, subject=f"escalation:{esc.id}",
                 detail=f"step {esc.step} {role}")
    return True


def get_escalation(ctx: Ctx, escalation_id: int) -> Escalation:
    esc = ctx.s.get(Escalation, escalation_id)
    if esc is None:
        raise NotFound("no_escalation", f"no escalation {escalation_id}")
    return esc


def _stop(ctx: Ctx, esc: Escalation, family: Family, who: str, by: int | None) -> None:
    """A person took it: nothing still waiting for this escalation goes out on any channel (repeats and
    alerts not yet sent, texts to the duty phone); what did go out is edited or followed up."""
    ctx.s.execute(update(OutboxMessage).where(
        OutboxMessage.escalation_id == esc.id, OutboxMessage.kind == OutboxPurpose.ESCALATION,
        OutboxMessage.state == OutboxState.PENDING).values(state=OutboxState.CANCELLED, last_error="acknowledged"),
        execution_options={"synchronize_session": False})
    second_channel.stop(ctx, esc, family, who, by)


def acknowledge(ctx: Ctx, actor: Actor, escalation_id: int) -> bool:
    """True if this call acknowledged it; False if it was already acknowledged or resolved."""
    esc = get_escalation(ctx, escalation_id)
    if not second_channel.rang(ctx, esc.id, actor.person_id):  # the duty phone takes what it was rung about
        require_staff(ctx, actor, esc.family_id, "escalation.acknowledge")
    if not claim(ctx.s, update(Escalation).where(Escalation.id == esc.id, Escalation.state == EscalationState.OPEN)
                 .values(state=EscalationState.ACKNOWLEDGED, acknowledged_at=ctx.now,
                         acknowledged_by=actor.person_id, next_step_at=None, step_ends_at=None)):
        return False
    ctx.s.refresh(esc)
    metrics.acknowledged(esc.opened_at, ctx.now)
    family = ctx.s.get_one(Family, esc.family_id)
    who = _actor_name(ctx, actor)
    audit.record(ctx, actor, "escalation.acknowledge", family_id=esc.family_id, subject=f"escalation:{esc.id}")
    _stop(ctx, esc, family, who, actor.person_id)
    refresh_alerts(ctx, esc, "ack", lambda tr: texts.escalation_update(
        tr, "acknowledged", who, tr.when(ctx.now, family.timezone)))
    return True


def resolve(ctx: Ctx, actor: Actor, escalation_id: int, note: str) -> bool:
    esc = get_escalation(ctx, escalation_id)
    require_staff(ctx, actor, esc.family_id, "escalation.resolve")
    note = clean_text(note).strip()
    if not note:
        raise InvalidInput("note_required", "please write a short note saying how it was resolved")
    was_open = esc.state == EscalationState.OPEN
    if not claim(ctx.s, update(Escalation).where(
            Escalation.id == esc.id, Escalation.state.in_([EscalationState.OPEN, EscalationState.ACKNOWLEDGED]))
            .values(state=EscalationState.RESOLVED, resolved_at=ctx.now, resolved_by=actor.person_id,
                    resolution_note=note[:2000], next_step_at=None, step_ends_at=None)):
        return False
    ctx.s.refresh(esc)
    if esc.acknowledged_at is None:
        esc.acknowledged_at, esc.acknowledged_by = ctx.now, actor.person_id
        metrics.acknowledged(esc.opened_at, ctx.now)
    family = ctx.s.get_one(Family, esc.family_id)
    who = _actor_name(ctx, actor)
    audit.record(ctx, actor, "escalation.resolve", family_id=esc.family_id, subject=f"escalation:{esc.id}")
    if was_open:
        _stop(ctx, esc, family, who, actor.person_id)
    refresh_alerts(ctx, esc, "resolved", lambda tr: texts.escalation_update(
        tr, "resolved", who, tr.when(ctx.now, family.timezone), note))
    return True


def _actor_name(ctx: Ctx, actor: Actor) -> str:
    if actor.person_id:
        return ctx.s.get_one(Person, actor.person_id).display_name
    return actor.label


def alert_title(ctx: Ctx, tr: Translator, escalation_id: int, for_person: int) -> str | None:
    """The alert's one-line title as `for_person` sees it, or None once the escalation is resolved."""
    esc = get_escalation(ctx, escalation_id)
    if esc.state == EscalationState.RESOLVED:
        return None
    return alert_message(ctx, tr, esc, for_person).title or ""


def tell_late_answer(ctx: Ctx, checkin: Checkin, member: str, answer: str) -> None:
    """A late answer never closes an escalation; it is shown as a follow-up to everyone told."""
    family = ctx.s.get_one(Family, checkin.family_id)
    for esc in ctx.s.scalars(select(Escalation).where(Escalation.checkin_id == checkin.id)):
        tell_earlier(ctx, esc, lambda tr: texts.late_answer_followup(
            tr, family.alias, member, answer, tr.when(ctx.now, family.timezone)),
            key=f"esc:{esc.id}:late:{answer}:{ctx.now:%Y%m%dT%H%M%S}")


def move_on_due(ctx: Ctx, limit: int = 200) -> int:
    """Open escalations whose next moment has come: a repeat to the person who has it, or (its step over)
    the next person in the chain, round and round. Claimed with a conditional update (two instances)."""
    moved = 0
    due = list(ctx.s.execute(select(Escalation.id, Escalation.step, Escalation.repeats).where(
        Escalation.state == EscalationState.OPEN, Escalation.next_step_at.is_not(None),
        Escalation.next_step_at <= ctx.now).order_by(Escalation.next_step_at).limit(limit)))
    for esc_id, step, repeats in due:
        if not claim(ctx.s, update(Escalation).where(
                Escalation.id == esc_id, Escalation.step == step, Escalation.repeats == repeats,
                Escalation.state == EscalationState.OPEN).values(repeats=repeats + 1, next_step_at=None)):
            continue
        esc = ctx.s.get_one(Escalation, esc_id)
        ctx.s.refresh(esc)
        _next_moment(ctx, esc, step, repeats + 1)
        moved += 1
    return moved


def _next_moment(ctx: Ctx, esc: Escalation, step: int, repeat: int) -> None:
    if (esc.step_ends_at is None or esc.step_ends_at > ctx.now) and esc.chain:  # None: the final stop
        family = ctx.s.get_one(Family, esc.family_id)
        p = pace(ctx, family)
        if _alert(ctx, esc, family, p, repeat):
            repeat_at = ctx.now + timedelta(minutes=p.repeat_minutes)
            esc.next_step_at = repeat_at if esc.step_ends_at is None else min(repeat_at, esc.step_ends_at)
            return
    begin_step(ctx, esc, step + 1)


def move_on_now(ctx: Ctx, escalation_id: int, step: int) -> None:
    """The alert for this step could not be delivered: go to the next person at the next sweep."""
    ctx.s.execute(update(Escalation).where(Escalation.id == escalation_id, Escalation.step == step,
                                           Escalation.state == EscalationState.OPEN)
                  .values(next_step_at=ctx.now, step_ends_at=ctx.now),
                  execution_options={"synchronize_session": False})
