"""Escalations: what opens one, who is told and in which order, what they are told, ack and resolve."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.services import escalations
from bot.services.context import Actor
from bot.services.errors import InvalidInput, Refused
from tests.support.harness import OPERATOR, PLAN, Harness

MONDAY_19 = datetime(2026, 11, 30, 19, 0, tzinfo=UTC)
DAYTIME_PLAN = PLAN.replace("BYHOUR=19;BYMINUTE=0", "BYHOUR=11;BYMINUTE=0")


async def _family(h: Harness, plan: str = PLAN, **kw: object) -> int:
    return await h.network(plan, **kw)


def _alerts(h: Harness, chat: str) -> list[str]:
    return [t for t in h.texts(chat) if "needs attention" in t or "Worry raised" in t]


async def test_not_done_on_a_bottom_line_escalates_at_once(h: Harness) -> None:
    await _family(h, DAYTIME_PLAN)
    await h.advance_to(datetime(2026, 11, 30, 11, 0, tzinfo=UTC))
    await h.press("sue", "Not done")
    assert [e.reason for e in h.escalations()] == ["not_done"]
    assert len(_alerts(h, "anna")) == 1, "caseworker told at once (working hours)"
    assert "bottom lines" in h.last("sue") or any("bottom lines" in t for t in h.texts("sue"))


async def test_not_done_on_an_ordinary_commitment_does_not_escalate(h: Harness) -> None:
    await _family(h)
    await h.advance_to(datetime(2026, 11, 30, 15, 30, tzinfo=UTC))
    await h.press("gran", "Not done")
    assert h.escalations() == []


async def test_worried_on_any_checkin_escalates_and_tells_the_member_what_happens(h: Harness) -> None:
    await _family(h, emergency_number="112")
    await h.advance_to(datetime(2026, 11, 30, 15, 30, tzinfo=UTC))
    await h.say("gran", "worried: nobody answered the door")
    (esc,) = h.escalations()
    assert esc.reason == "worried"
    reply = next(t for t in h.texts("gran") if "An urgent alert is being sent to the caseworker now" in t)
    assert "call 112" in reply
    alert = _alerts(h, "anna")[0]
    assert "nobody answered the door" in alert


@pytest.mark.slow_alert_repeats
async def test_alert_carries_what_staff_need(h: Harness) -> None:
    await _family(h, DAYTIME_PLAN)
    await h.advance_to(datetime(2026, 12, 2, 11, 0, tzinfo=UTC), step=timedelta(minutes=30))
    await h.say("sue", "worried: Mum had been drinking")
    alert = _alerts(h, "anna")[-1]
    for needle in ["the Rowan family",  # alias
                   "No drinking while caring for the children",  # the bottom line
                   "Sue",  # who
                   "Wed 2 Dec, 11:00 (Europe/London)", "2026-12-02 11:00 UTC",  # when, local and UTC
                   "Mum had been drinking",  # their words
                   "Last 7 days: Mon 30 Nov", "Tue 1 Dec",  # history
                   "Take the children to Gran's",  # contingency
                   "Also told"]:
        assert needle in alert, needle


@pytest.mark.storage  # an issue-10 scenario: on PostgreSQL too
async def test_missed_bottom_line_out_of_hours_goes_to_duty_then_up_the_chain(h: Harness) -> None:
    await _family(h)
    await h.advance_to(MONDAY_19 + timedelta(hours=1))  # grace 1h ends at 20:00, out of hours
    assert len(_alerts(h, "duty")) == 1
    assert _alerts(h, "anna") == [] and _alerts(h, "sam") == []
    await h.advance(timedelta(minutes=25))
    assert _alerts(h, "sam") == [], "not before the ack timeout (30 min)"
    await h.advance(timedelta(minutes=5))
    assert len(_alerts(h, "sam")) == 1
    assert any("has now been told" in t for t in h.texts("duty")), "earlier people hear it moved on"
    await h.advance(timedelta(minutes=30))
    assert len(_alerts(h, "anna")) == 1
    steps = [a.detail for a in h.audit("escalation.notify")]
    assert steps == ["step 0 duty", "step 1 supervisor", "step 2 caseworker"]
    await h.advance(timedelta(minutes=30))
    assert len(_alerts(h, "duty")) == 3, "first alert, a repeat, and the chain round again: duty has it again"
    assert [a.detail for a in h.audit("escalation.notify")][-1] == "step 3 duty"


@pytest.mark.slow_alert_repeats
async def test_after_its_rounds_an_alert_stays_with_duty_and_repeats_there(h: Harness) -> None:
    """FAMILYTEAM_ALERT_LOOPS=1 and a repeat every 4 hours: caseworker, supervisor and duty are each told in
    turn (30 minutes each); then the alert stays with duty and is sent again every 4 hours, not round the
    chain again, until someone takes it."""
    await _family(h, DAYTIME_PLAN)
    await h.advance_to(datetime(2026, 11, 30, 22, 0, tzinfo=UTC))  # Sue's 11:00 check-in missed at 12:00
    esc = h.escalations()[0]
    moves = [(a.at.strftime("%H:%M"), a.action.split(".")[1], a.detail) for a in h.audit()
             if a.subject == f"escalation:{esc.id}" and a.action in ("escalation.notify", "escalation.repeat")]
    assert moves == [("12:00", "notify", "step 0 caseworker"), ("12:30", "notify", "step 1 supervisor"),
                     ("13:00", "notify", "step 2 duty"), ("13:30", "notify", "step 3 duty"),
                     ("17:30", "repeat", "step 3 duty repeat 1"), ("21:30", "repeat", "step 3 duty repeat 2")]
    assert len(_alerts(h, "anna")) == 1 and len(_alerts(h, "sam")) == 1
    await h.press("duty", "Acknowledge")
    await h.advance(timedelta(hours=8))
    assert h.escalations()[0].next_step_at is None
    assert [a for a in h.audit("escalation.repeat") if a.subject == f"escalation:{esc.id}"][-1].at.hour == 21


@pytest.mark.storage  # an issue-10 scenario: on PostgreSQL too
async def test_acknowledging_stops_the_chain_and_updates_the_message(h: Harness) -> None:
    await _family(h, DAYTIME_PLAN)
    await h.advance_to(datetime(2026, 11, 30, 12, 0, tzinfo=UTC))  # 11:00 + 1h grace
    assert len(_alerts(h, "anna")) == 1
    await h.press("anna", "Acknowledge")
    alert_line = next(line for line in h.inbox("anna") if "needs attention" in line.text)
    assert "Acknowledged by Anna" in alert_line.text
    assert [b.label for row in alert_line.buttons for b in row] == ["Resolve"]
    await h.advance(timedelta(hours=2))
    assert _alerts(h, "sam") == [] and _alerts(h, "duty") == []
    (esc,) = h.escalations()
    assert esc.state == "acknowledged" and esc.next_step_at is None


async def test_resolve_needs_a_note_and_records_it(h: Harness) -> None:
    await _family(h, DAYTIME_PLAN)
    await h.advance_to(datetime(2026, 11, 30, 12, 0, tzinfo=UTC))
    await h.press("anna", "Resolve")
    assert "short note" in h.last("anna")
    await h.say("anna", "Visited; Mum is fine, Sue's phone was off.")
    (esc,) = h.escalations()
    assert esc.state == "resolved"
    assert esc.resolution_note == "Visited; Mum is fine, Sue's phone was off."
    assert esc.acknowledged_at is not None
    with pytest.raises(InvalidInput, match="note"):
        h.call(lambda ctx: escalations.resolve(ctx, OPERATOR, esc.id, "   "))


async def test_late_done_keeps_the_escalation_and_is_shown_as_late(h: Harness) -> None:
    await _family(h, DAYTIME_PLAN)
    await h.advance_to(datetime(2026, 11, 30, 12, 0, tzinfo=UTC))
    await h.say("sue", "done")
    (esc,) = h.escalations()
    assert esc.state == "open", "a late done never closes an escalation"
    checkin = next(c for c in h.checkins() if c.id == esc.checkin_id)
    assert (checkin.state, checkin.late) == ("done", True)
    followups = [line for line in h.inbox("anna") if line.thread_ref]
    assert followups and "Late answer" in followups[-1].text


async def test_staff_of_another_family_cannot_acknowledge(h: Harness) -> None:
    await _family(h, DAYTIME_PLAN)
    other = h.make_family(alias="the Birch family", caseworker="console:otto", caseworker_name="Otto",
                          supervisor=None, duty=None)
    assert other
    await h.advance_to(datetime(2026, 11, 30, 12, 0, tzinfo=UTC))
    ack = h.console.button("anna", "Acknowledge")
    await h.press("otto", "", data=ack.data)
    (esc,) = h.escalations()
    assert esc.state == "open"
    assert "can't do that" in h.last("otto")
    assert h.audit()[-1].outcome == "refused"

    def otto_acks(ctx):  # type: ignore[no-untyped-def]
        from bot.services.people import identity_of

        ident = identity_of(ctx, "console", "otto")
        return escalations.acknowledge(ctx, Actor(f"person:{ident.person_id}", ident.person_id), esc.id)

    with pytest.raises(Refused) as refused:
        h.call(otto_acks)
    assert refused.value.reason == "not_assigned"


async def test_caseworker_away_sends_to_the_named_cover(h: Harness) -> None:
    await _family(h, DAYTIME_PLAN)
    from bot.services.covers import set_away

    h.make_family(alias="the Ash family", caseworker="console:cora", caseworker_name="Cora")  # staff elsewhere
    with pytest.raises(InvalidInput):
        h.call(lambda ctx: set_away(ctx, OPERATOR, "console:anna", h.now + timedelta(days=3), "console:gran"))
    h.call(lambda ctx: set_away(ctx, OPERATOR, "console:anna", h.now + timedelta(days=3), "console:cora"))
    await h.advance_to(datetime(2026, 11, 30, 12, 0, tzinfo=UTC))
    assert _alerts(h, "anna") == []
    assert len(_alerts(h, "cora")) == 1
    await h.press("cora", "Acknowledge")
    assert h.escalations()[0].state == "acknowledged", "the cover may act for the away caseworker"


@pytest.mark.storage
async def test_escalation_opened_once_per_checkin_and_reason(h: Harness) -> None:
    await _family(h, DAYTIME_PLAN)
    await h.advance_to(datetime(2026, 11, 30, 11, 0, tzinfo=UTC))
    await h.press("sue", "Worried")
    await h.say("sue", "worried: still worried")
    assert [e.reason for e in h.escalations()] == ["worried"]


async def test_an_unreachable_caseworker_is_skipped_at_once(h: Harness) -> None:
    await _family(h, DAYTIME_PLAN)
    h.console.blocked.add("anna")

    def block_anna(ctx):  # type: ignore[no-untyped-def]
        from bot.services.people import identity_of

        identity_of(ctx, "console", "anna").blocked_at = ctx.now

    h.call(block_anna)
    await h.advance_to(datetime(2026, 11, 30, 12, 0, tzinfo=UTC))
    assert _alerts(h, "anna") == []
    assert len(_alerts(h, "sam")) == 1, "the supervisor is told straight away, not after 30 minutes"
    assert [a.detail for a in h.audit("escalation.unreachable")] == ["step 0 caseworker"]
    alert = _alerts(h, "sam")[0]
    assert "Also told: nobody else yet" in alert, "an unreachable person is not listed as told"


async def test_a_worry_with_no_checkin_open_still_reaches_duty_at_night(h: Harness) -> None:
    await _family(h)
    await h.advance_to(datetime(2026, 11, 30, 15, 30, tzinfo=UTC), step=timedelta(minutes=30))
    await h.press("gran", "Done")
    h.clock.set(datetime(2026, 12, 1, 3, 0, tzinfo=UTC))  # 3 a.m., no check-in open
    await h.say("gran", "worried: Dad is back and he has been drinking")
    (esc,) = [e for e in h.escalations() if e.checkin_id is None]
    assert (esc.reason, esc.words, esc.state) == ("worried", "Dad is back and he has been drinking", "open")
    alert = _alerts(h, "duty")[-1]
    assert "Dad is back and he has been drinking" in alert and "A worry sent outside any check-in" in alert
    assert "(Gran)" in alert
    assert "call 999" in h.last("gran")
    await h.press("duty", "Acknowledge")
    assert h.escalations()[-1].state == "acknowledged"


async def test_the_agency_duty_setting_covers_a_family_without_duty(db_url: str) -> None:
    h = Harness(db_url, FAMILYTEAM_DUTY="console:agency-duty")
    try:
        await _family(h, duty=None)
        await h.advance_to(MONDAY_19 + timedelta(hours=1))
        assert len(_alerts(h, "agency-duty")) == 1
        await h.press("agency-duty", "Acknowledge")
        assert h.escalations()[0].state == "acknowledged"
    finally:
        h.close()


async def test_an_alert_that_bounces_moves_on_without_waiting(h: Harness) -> None:
    await _family(h, DAYTIME_PLAN)
    h.console.blocked.add("anna")  # discovered only when the alert is delivered
    await h.advance_to(datetime(2026, 11, 30, 12, 5, tzinfo=UTC))
    assert len(_alerts(h, "sam")) == 1, "the supervisor at the next sweep, not 30 minutes later"
