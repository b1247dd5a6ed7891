"""Input at the edges, through the real app: time zones that are not zones, bidirectional controls in
people's words, names over the stated limit."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.domain.text import BIDI_CONTROLS, MAX_NAME
from bot.planfile import parse_plan
from bot.ports import Inbound, InboundKind
from bot.services.errors import InvalidInput, Refused
from bot.services.families import create_family
from bot.services.invites import create_invite
from bot.services.plans import apply_plan_spec
from bot.testing import OPERATOR
from storage.models import BottomLine, Commitment, Family, Membership, Person, PlanVersion
from tests.support.harness import PLAN, Harness

RLO, LRI, PDI = "\u202e", "\u2066", "\u2069"
NOT_ZONES = ["America", "America/", "../etc", "/etc/passwd", "a" * 300, "Europe/Lóndon", "Europe/London\x00",
             "Europe/../Europe/London", "."]


def no_bidi(text: str | None) -> bool:
    return not any(ch in BIDI_CONTROLS for ch in text or "")


def gran(h: Harness) -> Person:
    return h.call(lambda ctx: ctx.s.scalar(select(Person).join(Membership, Membership.person_id == Person.id)
                                           .where(Membership.name == "Gran")))


async def test_a_time_zone_that_is_no_zone_gets_the_help_not_an_error(hs: Harness) -> None:
    await hs.network()
    for name in [*NOT_ZONES, ""]:
        await hs.command("gran", "timezone", name)
        assert hs.last("gran") == "To set your time zone, send for example: /timezone Europe/Madrid", name
    assert gran(hs).timezone is None
    await hs.command("gran", "timezone", "America/New_York")
    assert gran(hs).timezone == "America/New_York"


def test_a_family_in_a_zone_that_is_no_zone_is_refused(hs: Harness) -> None:
    for name in NOT_ZONES:
        with pytest.raises(InvalidInput) as err:
            hs.make_family(timezone=name)
        assert err.value.reason == "bad_timezone"
        assert "Europe/London" in err.value.message, "the refusal shows a good zone"


def test_work_days_and_emergency_numbers_as_people_write_them(hs: Harness) -> None:
    fid = hs.make_family(work_days="Mon-Fri", emergency_number=" +44 300-555-0100 ")
    family = hs.call(lambda ctx: ctx.s.get_one(Family, fid))
    assert (family.work_days, family.emergency_number) == ("MO-FR", "+44 300-555-0100")
    for number in ("0300 555 0100", "(030) 555 0100", "112", "+1-800-555-0199"):
        fid = hs.make_family(emergency_number=number)
        assert hs.call(lambda ctx: ctx.s.get_one(Family, fid).emergency_number) == number  # noqa: B023
    for number in ("12", "++", "call 999", "999!", "1" * 17, "--- ---"):
        with pytest.raises(InvalidInput) as err:
            hs.make_family(emergency_number=number)
        assert err.value.reason == "bad_emergency_number", number
    with pytest.raises(InvalidInput) as err:
        hs.make_family(work_days="weekdays")
    assert err.value.reason == "bad_hours"


@pytest.mark.slow_alert_repeats
async def test_bidirectional_controls_never_reach_the_record_or_the_staff(hs: Harness) -> None:
    fid = await hs.network(PLAN)
    await hs.say("sue", f"worried: he is {RLO}kcab{PDI} again")
    esc = hs.escalations()[-1]
    assert esc.words == "he is kcab again"
    assert all(no_bidi(t) for t in hs.texts("anna")), "the alert shows the words without the override"
    # A note on a check-in, and a resolution note.
    await hs.advance_to(hs.now.replace(hour=15, minute=30))
    await hs.press("gran", "Done")
    await hs.say("gran", f"picked up {LRI}late{PDI}\u200f")
    checkin = next(c for c in hs.checkins() if c.answered_at is not None)
    assert checkin.note == "picked up late"
    from bot.services.escalations import resolve

    hs.call(lambda ctx: resolve(ctx, OPERATOR, esc.id, f"spoke to {RLO}Sue"))
    assert hs.escalations()[-1].resolution_note == "spoke to Sue"
    # Plan texts from a file...
    same = hs.apply(fid, PLAN.replace("Collect the children", f"Collect {RLO}the children"))
    assert not same.changed, "the same plan once the control is gone: no new version"
    hs.apply(fid, PLAN.replace("Collect the children", f"Collect {RLO}all the children"), reason=f"{RLO}review")
    text = hs.call(lambda ctx: ctx.s.scalar(select(Commitment.text).where(Commitment.key == "school-run")))
    assert text == "Collect all the children from school"
    version = hs.call(lambda ctx: ctx.s.scalar(select(PlanVersion).order_by(PlanVersion.number.desc())))
    assert version.reason == "review" and no_bidi(str(version.content))


def test_plan_texts_built_without_a_file_are_cleaned_too(hs: Harness) -> None:
    fid = hs.make_family()
    hs.invite(fid, "Gran")
    hs.invite(fid, "Sue")
    spec = parse_plan(PLAN.replace("Take the children", f"Take {LRI}the{PDI} children"))
    spec.bottom_line[0].text = f"No drinking {RLO}while caring"
    hs.call(lambda ctx: apply_plan_spec(ctx, OPERATOR, fid, spec.model_copy(), "editor"))
    assert hs.call(lambda ctx: ctx.s.scalar(select(BottomLine.text))) == "No drinking while caring"
    content = hs.call(lambda ctx: ctx.s.scalar(select(PlanVersion.content)))
    assert content["contingency"].startswith("Take the children") and no_bidi(str(content))
    spec.bottom_line[0].text = RLO * 3  # nothing left once cleaned: refused, not stored empty
    with pytest.raises(InvalidInput) as err:
        hs.call(lambda ctx: apply_plan_spec(ctx, OPERATOR, fid, spec, "editor"))
    assert err.value.reason == "bad_plan"


def test_names_are_cleaned_and_have_one_stated_limit(hs: Harness) -> None:
    fid = hs.make_family()
    hs.apply(fid, PLAN.split("[[commitment]]")[0])  # people_to_avoid = ["Kevin"], no commitments
    hs.invite(fid, f"{LRI}Gran{PDI}  Smith")
    names = hs.call(lambda ctx: list(ctx.s.scalars(select(Membership.name).where(Membership.family_id == fid))))
    assert "Gran Smith" in names
    # A control character does not smuggle someone on the people-to-avoid list past it.
    with pytest.raises(Refused):
        hs.invite(fid, f"Ke{RLO}vin")
    hs.invite(fid, "x" * MAX_NAME)
    for bad in ("x" * (MAX_NAME + 1), "y" * 300, RLO):
        with pytest.raises(InvalidInput) as err:
            hs.call(lambda ctx: create_invite(ctx, OPERATOR, fid, bad, "supporter"))  # noqa: B023
        assert err.value.reason == "bad_name"
    with pytest.raises(InvalidInput) as err:
        hs.call(lambda ctx: create_family(ctx, OPERATOR, alias="the Oak family", timezone="Europe/London",
                                          caseworker="console:bea", caseworker_name="B" * 300))
    assert err.value.reason == "bad_name"


async def test_a_chat_name_over_the_limit_gives_way_to_the_invited_name(hs: Harness) -> None:
    fid = hs.make_family()
    code = hs.invite(fid, "Gran")
    long_name = "Grandmother " * 12  # Telegram allows 129 characters
    await hs.command("gran", "start", code, display_name=long_name)
    button = hs.console.button("gran", "I agree").data
    await hs.send(Inbound("console", "gran", InboundKind.BUTTON, data=button, display_name=long_name,
                          event_id="agree-1"))
    assert gran(hs).display_name == "Gran"
