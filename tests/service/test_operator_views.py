"""The operator's new use cases (escalation list/show, invite list/revoke, meeting list/cancel) are staff-only:
a member, or staff of another family, is refused and the refusal audited; the family's own staff see only
their families."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from sqlalchemy import select

from bot.services import escalation_views, invites, meetings
from bot.services.context import Actor, Ctx
from bot.services.errors import Refused
from bot.services.people import identity_of
from bot.services.staff import member_ids, schedule_meeting
from storage.models import AuditEvent
from tests.support.harness import OPERATOR, PLAN, Harness


def as_chat(chat: str, use: Callable[[Ctx, Actor], object]) -> Callable[[Ctx], object]:
    def run(ctx: Ctx) -> object:
        ident = identity_of(ctx, "console", chat)
        assert ident is not None and ident.person_id is not None
        return use(ctx, Actor(f"person:{ident.person_id}", ident.person_id, ident.id))

    return run


async def test_new_operator_use_cases_are_for_the_familys_staff_only(h: Harness) -> None:
    fid = await h.network(PLAN)
    other = h.make_family(alias="the Ash family", caseworker="console:cora", caseworker_name="Cora")
    await h.say("sue", "worried: Mum sounded drunk")
    (esc,) = h.escalations()
    h.invite(fid, "Ola")
    meeting = h.call(lambda ctx: schedule_meeting(ctx, OPERATOR, fid, "review", datetime(2026, 12, 10, 14, 0),
                                                  "Family Centre", member_ids(ctx, OPERATOR, fid, ["Gran"])))
    refusals: list[tuple[str, Callable[[Ctx, Actor], object]]] = [
        ("escalation.list", lambda ctx, a: escalation_views.open_escalations(ctx, a, fid)),
        ("escalation.show", lambda ctx, a: escalation_views.show_escalation(ctx, a, esc.id)),
        ("invite.list", lambda ctx, a: invites.list_invites(ctx, a, fid)),
        ("invite.revoke", lambda ctx, a: invites.revoke_invite(ctx, a, fid, "Ola")),
        ("meeting.list", lambda ctx, a: meetings.meetings_of(ctx, a, fid)),
        ("meeting.cancel", lambda ctx, a: meetings.cancel_meeting(ctx, a, meeting.id)),
    ]
    for chat in ("gran", "cora"):  # a member of the network; a caseworker of another family
        for action, use in refusals:
            with pytest.raises(Refused):
                h.call(as_chat(chat, use), Actor("test"))
            last = h.call(lambda ctx: ctx.s.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first())
            assert (last.action, last.outcome, last.family_id) == (action, "refused", fid), (chat, action)
    # Cora's own list has none of the Rowan family's escalations; Anna's has it, held by her or duty.
    assert h.call(as_chat("cora", lambda ctx, a: escalation_views.open_escalations(ctx, a))) == []
    [seen] = h.call(as_chat("anna", lambda ctx, a: escalation_views.open_escalations(ctx, a)))
    assert (seen.id, seen.member, seen.holder is not None) == (esc.id, "Sue", True)
    assert h.call(as_chat("anna", lambda ctx, a: invites.revoke_invite(ctx, a, fid, "Ola"))) == 1
    assert h.call(as_chat("anna", lambda ctx, a: meetings.cancel_meeting(ctx, a, meeting.id))) is True
    assert other != fid
