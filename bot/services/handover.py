"""The family's handover thread: what duty, a cover or the supervisor handled for a family reaches the
caseworker the next working morning in their summary and, as one reply, in the family's handover thread in
their chat. One thread per family and staff chat (`handover_threads`): its root ("<alias>: handovers") is an
outbox row written the first time there is something to hand over; each morning's handover replies under it
(OutboundMessage.thread_of: Slack's thread_ts, the console's replies)."""

from __future__ import annotations

from functools import partial

from sqlalchemy import select

from bot.domain.vocabulary import OutboxPurpose, OutboxState
from bot.services import notify
from bot.services.context import Ctx
from messages import summaries as texts
from messages.outbound import OutboundMessage
from storage.models import ChatIdentity, Family, HandoverThread, OutboxMessage, Person

NO_ANCHOR = (OutboxState.FAILED, OutboxState.CANCELLED, OutboxState.UNKNOWN)  # a root that never showed (or may not)


def _root(ctx: Ctx, person: Person, family: Family, identity_id: int) -> int | None:
    """The outbox id of the family's thread root in this chat, written now if there is none yet, or if the one
    there is never reached the chat (failed, cancelled, outcome unknown): a new root, and the thread follows it."""
    thread = ctx.s.scalar(select(HandoverThread).where(HandoverThread.family_id == family.id,
                                                       HandoverThread.identity_id == identity_id))
    state = ctx.s.scalar(select(OutboxMessage.state).where(OutboxMessage.id == thread.root_outbox_id)) \
        if thread is not None else None
    if thread is not None and state is not None and state not in NO_ANCHOR:
        return thread.root_outbox_id
    again = f":{ctx.now:%Y%m%dT%H%M%S}" if thread is not None else ""
    created = notify.to_person(ctx, person.id, family, partial(texts.handover_root, alias=family.alias),
                               key=f"handover-root:{family.id}{again}", purpose=OutboxPurpose.HANDOVER)
    oid = created.get(identity_id)
    if oid is None:
        return None
    if thread is None:
        ctx.s.add(HandoverThread(family_id=family.id, identity_id=identity_id, root_outbox_id=oid,
                                 created_at=ctx.now))
    else:
        thread.root_outbox_id = oid
    ctx.s.flush()
    return oid


def post(ctx: Ctx, person: Person, family: Family, day: texts.DayFacts, tz: str, *, key: str) -> int | None:
    """This morning's handover for `family` in `person`'s thread for it (nothing when nothing was handed over).
    Returns the reply's outbox id, None if nothing was written (nothing to hand over, no chat, already done)."""
    if not day.handed_over:
        return None
    identities = notify.reachable_identities(ctx, person.id)
    if not identities:
        return None
    root = _root(ctx, person, family, identities[0].id)
    if root is None:
        return None

    def under_root(message: OutboundMessage, _identity_id: int) -> None:
        message.thread_of = root

    created = notify.to_person(ctx, person.id, family, partial(texts.handover, alias=family.alias, day=day, tz=tz),
                               key=key, purpose=OutboxPurpose.HANDOVER, prepare=under_root)
    return next(iter(created.values()), None)


def thread_at(ctx: Ctx, identity: ChatIdentity, ref: str) -> HandoverThread | None:
    """The handover thread whose root this staff chat received as message `ref` (a platform's "channel:ts")."""
    return ctx.s.scalar(select(HandoverThread).join(OutboxMessage, OutboxMessage.id == HandoverThread.root_outbox_id)
                        .where(HandoverThread.identity_id == identity.id, OutboxMessage.external_ref == ref[:128]))
