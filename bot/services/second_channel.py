"""The second channel: an alert whose whole chain was told and nobody acknowledged also goes by SMS to the
duty phone (Twilio; handlers/sms), and with FAMILYTEAM_DUTY_CALL by a voice call to it as well. Off unless
TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM and FAMILYTEAM_DUTY_PHONE are all set. An
acknowledgement cancels what is not sent yet (texts and calls) and, if a text went out, says by SMS who took
it (no call for that: the text says it)."""

from __future__ import annotations

from sqlalchemy import select, update

from bot.buttons import ButtonAction, make
from bot.domain.vocabulary import OutboxPurpose, OutboxState, Priority
from bot.services import audit, notify
from bot.services.context import Actor, Ctx
from bot.services.people import identity_of, known_identity
from messages import escalations as texts
from messages.catalog import translator
from storage.models import ChatIdentity, Escalation, Family, OutboxMessage, Person

SMS = "sms"
VOICE = "voice"
_SECOND = (OutboxPurpose.ESCALATION_SMS, OutboxPurpose.ESCALATION_CALL)


def _duty_phone(ctx: Ctx, platform: str = SMS) -> ChatIdentity | None:
    """The duty phone's chat identity on a platform (sms, voice), one person for both."""
    phone = ctx.settings.duty_phone
    if not ctx.settings.sms_on or not phone:
        return None
    identity = known_identity(ctx, platform, phone)
    if identity.person_id is None:
        other = identity_of(ctx, VOICE if platform == SMS else SMS, phone)
        person_id = other.person_id if other is not None else None
        if person_id is None:
            person = Person(display_name="duty phone", created_at=ctx.now)
            ctx.s.add(person)
            ctx.s.flush()
            person_id = person.id
        identity.person_id = person_id
        ctx.s.flush()
    return identity


def _enqueue(ctx: Ctx, esc: Escalation, family: Family, text: str, key: str, step: int | None = None) -> bool:
    identity = _duty_phone(ctx)
    if identity is None:
        return False
    return notify.enqueue(ctx, identity.id, texts.sms(text), key=key, family_id=family.id, priority=Priority.URGENT,
                          purpose=OutboxPurpose.ESCALATION_SMS, escalation_id=esc.id,
                          escalation_step=step) is not None


def _call(ctx: Ctx, esc: Escalation, family: Family) -> bool:
    identity = _duty_phone(ctx, VOICE) if ctx.settings.call_on else None
    if identity is None:
        return False
    take = make(ctx.secret, ButtonAction.ACK, esc.id) if ctx.settings.twilio_voice_webhook_url else None
    return notify.enqueue(ctx, identity.id, texts.call_alert(translator(family.language), family.alias, take),
                          key=f"esc:{esc.id}:call:{esc.step}", family_id=family.id, priority=Priority.URGENT,
                          purpose=OutboxPurpose.ESCALATION_CALL, escalation_id=esc.id,
                          escalation_step=esc.step) is not None


def chain_exhausted(ctx: Ctx, esc: Escalation, family: Family) -> None:
    """Everyone in the chain was told (this round) and nobody acknowledged: text the duty phone, and ring it
    when FAMILYTEAM_DUTY_CALL is on."""
    tr = translator(family.language)
    if _enqueue(ctx, esc, family, texts.sms_alert(tr, family.alias), f"esc:{esc.id}:sms:{esc.step}", esc.step):
        audit.record(ctx, Actor.engine(), "escalation.sms", family_id=family.id, subject=f"escalation:{esc.id}",
                     detail=f"step {esc.step}")
    if _call(ctx, esc, family):
        audit.record(ctx, Actor.engine(), "escalation.call", family_id=family.id, subject=f"escalation:{esc.id}",
                     detail=f"step {esc.step}")


def stop(ctx: Ctx, esc: Escalation, family: Family, who: str, by: int | None = None) -> None:
    """Acknowledged (by the person `by`): no text or call still waiting goes out; if a text did, the duty phone
    hears who took it, unless it took it itself (its key press has its own answer)."""
    ctx.s.execute(update(OutboxMessage).where(
        OutboxMessage.escalation_id == esc.id, OutboxMessage.kind.in_(_SECOND),
        OutboxMessage.state == OutboxState.PENDING).values(state=OutboxState.CANCELLED, last_error="acknowledged"),
        execution_options={"synchronize_session": False})
    texted = ctx.s.scalar(select(OutboxMessage.id).where(
        OutboxMessage.escalation_id == esc.id, OutboxMessage.kind == OutboxPurpose.ESCALATION_SMS,
        OutboxMessage.state.in_([OutboxState.SENT, OutboxState.SENDING])).limit(1))
    if texted is not None and not rang(ctx, esc.id, by):
        tr = translator(family.language)
        _enqueue(ctx, esc, family, texts.sms_acknowledged(tr, family.alias, who, tr.when(ctx.now, family.timezone)),
                 f"esc:{esc.id}:sms:ack")


def rang(ctx: Ctx, escalation_id: int, person_id: int | None) -> bool:
    """Whether this person is the duty phone and was rung about this alert (a call placed, or its outcome
    unknown): the one thing the duty phone may do is take an alert it was rung about (its key press)."""
    if person_id is None:
        return False
    return ctx.s.scalar(select(OutboxMessage.id).join(ChatIdentity, ChatIdentity.id == OutboxMessage.identity_id).where(
        OutboxMessage.escalation_id == escalation_id, OutboxMessage.kind == OutboxPurpose.ESCALATION_CALL,
        OutboxMessage.state.in_([OutboxState.SENT, OutboxState.UNKNOWN]), ChatIdentity.platform == VOICE,
        ChatIdentity.person_id == person_id).limit(1)) is not None
