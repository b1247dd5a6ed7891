"""A member blocks the bot: their chat is unreachable at once, what was waiting for it is held (never
retried), the caseworker hears which commitments have nobody reachable; unblocking sends what still
matters (end to end through World)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain.vocabulary import OutboxPurpose, OutboxState
from bot.ports import Inbound, InboundKind
from bot.services.people import identity_of
from tests.support.harness import PLAN, Harness

SCHOOL_RUN_MON = datetime(2026, 11, 30, 15, 30, tzinfo=UTC)


async def test_blocking_holds_what_waits_and_unblocking_restores_what_still_matters(h: Harness) -> None:
    await h.network(PLAN)
    await h.advance_to(SCHOOL_RUN_MON - timedelta(minutes=5))
    h.clock.set(SCHOOL_RUN_MON)
    await h.app.engine.tick()  # Gran's question is recorded, not yet sent
    gran = h.call(lambda ctx: identity_of(ctx, "console", "gran"))
    assert gran is not None
    [question] = [o for o in h.outbox() if o.kind == OutboxPurpose.CHECKIN and o.identity_id == gran.id]
    assert question.state == OutboxState.PENDING

    await h.send(Inbound("console", "gran", InboundKind.BLOCKED, event_id="blk"))  # she blocks the bot
    blocked = h.call(lambda ctx: identity_of(ctx, "console", "gran"))
    assert blocked is not None and blocked.blocked_at == h.now
    notice = h.last("anna")
    assert notice.startswith("Gran (the Rowan family) has blocked the bot") and "• Collect the children" in notice
    await h.advance(timedelta(minutes=10))
    assert [o.state for o in h.outbox() if o.id == question.id] == [OutboxState.BLOCKED], "held, never retried"
    assert not any(t.startswith("Check-in") for t in h.texts("gran"))

    await h.send(Inbound("console", "gran", InboundKind.UNBLOCKED, event_id="unblk"))
    assert h.last("anna").startswith("Gran (the Rowan family) has unblocked the bot")
    assert [o.state for o in h.outbox() if o.id == question.id] == [OutboxState.SENT], "still open: sent now"
    assert h.last("gran").startswith("Check-in")
    assert [a.detail for a in h.audit("identity.unblocked")] == ["1 restored"]
