"""The scenario kit's network snapshot: a world that starts from a copy of a network built earlier is the
same world, and goes on the same way."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from bot.testing import World
from storage.models import AuditEvent, Checkin, OutboxMessage
from tests.support.harness import PLAN

UNIQUE_PLAN = PLAN.replace("Call Mum at 7", "Call Mum at seven")  # a key no other test in the process builds


def _world(tmp_path: Path, template: Path, name: str) -> World:
    path = tmp_path / f"{name}.db"
    shutil.copy(template, path)
    return World(f"sqlite:///{path}")


def _picture(w: World) -> tuple[object, ...]:
    rows = w.call(lambda ctx: (
        [(o.idempotency_key.split("@")[0], o.state, o.kind) for o in ctx.s.scalars(select(OutboxMessage))],
        [(c.due_at, c.state) for c in ctx.s.scalars(select(Checkin))],
        [a.action for a in ctx.s.scalars(select(AuditEvent).order_by(AuditEvent.id))]))
    return (*rows, {chat: w.texts(chat) for chat in ("gran", "sue", "anna", "duty")})


async def test_a_restored_network_is_the_same_and_goes_on_the_same(tmp_path: Path, sqlite_template: Path) -> None:
    built, restored = _world(tmp_path, sqlite_template, "built"), _world(tmp_path, sqlite_template, "restored")
    try:
        assert await built.network(UNIQUE_PLAN) == await restored.network(UNIQUE_PLAN)
        assert _picture(restored) == _picture(built)
        for w in (built, restored):
            await w.advance_to(datetime(2026, 11, 30, 20, 30, tzinfo=UTC))  # asked, missed, escalated
            await w.say("sue", "worried: the baby is crying")
        assert _picture(restored) == _picture(built)
        assert any("Worry raised" in t or "needs attention" in t for t in restored.texts("duty")), "out of hours: duty"
    finally:
        built.close()
        restored.close()


async def test_a_world_that_has_done_something_builds_its_own_network(tmp_path: Path, sqlite_template: Path) -> None:
    first, busy = _world(tmp_path, sqlite_template, "first"), _world(tmp_path, sqlite_template, "busy")
    try:
        await first.network(UNIQUE_PLAN, alias="the Ash family")
        busy.make_family(alias="another family")  # not a fresh world any more
        fid = await busy.network(UNIQUE_PLAN, alias="the Ash family")
        assert fid == 2, "built on top of what the world already had, not copied over it"
    finally:
        first.close()
        busy.close()


async def test_staff_forms_through_the_kit_take_the_staff_door(hs: World) -> None:
    from bot.conversation.staff_intents import Resolve

    await hs.network(PLAN)
    await hs.say("sue", "worried: Mum sounded drunk on the phone")
    (esc,) = hs.escalations()
    outcome = await hs.staff("anna", Resolve(escalation_id=esc.id, note="Visited, all safe"))
    assert outcome.ok, outcome.errors
    (esc,) = hs.escalations()
    assert (esc.state, esc.resolution_note) == ("resolved", "Visited, all safe")
    assert hs.last("anna") == "Thank you. It is marked resolved.", "the same reply as the button on any platform"
    refused = await hs.staff("gran", Resolve(escalation_id=esc.id, note="nothing"))
    assert not refused.ok, "a member is not staff"
