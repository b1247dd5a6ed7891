"""Typed words: answers to check-ins ("done", "worried: ..."), and the note a chat was asked for.

"Waiting for a note" is a row in `pending_replies` (one per chat, expiring an hour after the question);
the next typed text of that chat is taken as the note and the row is gone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from sqlalchemy import delete, select

from bot.conversation import replies
from bot.domain.vocabulary import PendingReplyKind
from bot.services import checkins, escalations, notify
from bot.services.context import Actor, Ctx
from messages import render
from storage.models import ChatIdentity, Family, PendingReply

PENDING_FOR = timedelta(hours=1)

WORDS = {
    "done": ["done", "yes", "y", "ok", "okay", "did it", "sí", "si", "hecho", "listo", "✅"],
    "not_done": ["not done", "no", "n", "didn't", "did not", "no hecho", "no lo hice", "❌"],
    "worried": ["worried", "worry", "help", "preocupado", "preocupada", "me preocupa", "ayuda", "⚠️"],
}
# Longest first, so "not done" / "no hecho" win over "no" and "done" / "hecho".
_WORDS = sorted(((w, a) for a, words in WORDS.items() for w in words), key=lambda item: -len(item[0]))


def parse_answer(text: str) -> tuple[str | None, str | None]:
    """("worried", "the note") from free text, or (None, None) if it is not an answer."""
    clean = text.strip()
    lowered = clean.lower()
    for word, answer in _WORDS:
        if lowered == word or re.match(rf"^{re.escape(word)}(?:\b|(?<=\W))[\s,.:;!-]+", lowered):
            rest = clean[len(word):].lstrip(" ,.:;!-").strip() or None
            return answer, rest
    return None, None


# --- the pending reply ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Pending:
    kind: PendingReplyKind
    checkin_id: int | None = None
    escalation_id: int | None = None


def expect(ctx: Ctx, identity: ChatIdentity, pending: Pending) -> None:
    """Take this chat's next typed text as `pending` (replacing anything it was asked before)."""
    ctx.s.execute(delete(PendingReply).where(PendingReply.identity_id == identity.id))
    ctx.s.add(PendingReply(identity_id=identity.id, kind=pending.kind.value, checkin_id=pending.checkin_id,
                           escalation_id=pending.escalation_id, created_at=ctx.now,
                           expires_at=ctx.now + PENDING_FOR))
    ctx.s.flush()


def take(ctx: Ctx, identity: ChatIdentity) -> Pending | None:
    """What this chat was asked for, if it has not expired; asked once, taken once."""
    row = ctx.s.scalar(select(PendingReply).where(PendingReply.identity_id == identity.id))
    if row is None:
        return None
    ctx.s.delete(row)
    ctx.s.flush()
    if row.expires_at <= ctx.now:
        return None
    return Pending(PendingReplyKind(row.kind), row.checkin_id, row.escalation_id)


# --- typed text -------------------------------------------------------------------------------------

def handle_text(ctx: Ctx, identity: ChatIdentity, actor: Actor, text: str, key: str) -> None:
    if not text.strip():
        notify.to_identity(ctx, identity, render.typed_only, key=key)
        return
    pending = take(ctx, identity)
    if pending is not None and pending.kind == PendingReplyKind.CHECKIN_NOTE and pending.checkin_id:
        replies.add_note(ctx, actor, pending.checkin_id, text)
        return
    if pending is not None and pending.kind == PendingReplyKind.RESOLVE_NOTE and pending.escalation_id:
        replies.resolve(ctx, identity, actor, pending.escalation_id, text, key)
        return
    _answer(ctx, identity, actor, text, key)


def _answer(ctx: Ctx, identity: ChatIdentity, actor: Actor, text: str, key: str) -> None:
    answer, note = parse_answer(text)
    assert actor.person_id is not None
    if answer is None:
        recent = checkins.just_answered_by(ctx, actor.person_id)
        if recent is not None:
            replies.add_note(ctx, actor, recent.id, text)
            return
        notify.to_identity(ctx, identity, render.not_understood, key=key)
        return
    # The open check-in, or the one they answered a moment ago (a follow-up "worried: ..." belongs to it).
    checkin = checkins.open_checkin_for(ctx, actor.person_id) or checkins.just_answered_by(ctx, actor.person_id)
    if checkin is None and answer == "worried":
        # A worry never waits for a check-in: it reaches the family's team now.
        raised = escalations.raise_worry(ctx, actor, note)
        family = ctx.s.get(Family, raised[0].family_id) if raised else None
        emergency = family.emergency_number if family else "999"
        notify.to_identity(ctx, identity, partial(render.worried_reply, emergency=emergency), key=key, urgent=True)
        return
    if checkin is None:
        notify.to_identity(ctx, identity, render.no_open_checkin, key=key)
        return
    checkins.answer_checkin(ctx, actor, checkin.id, answer, note)
