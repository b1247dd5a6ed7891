"""Saying no at consent: recorded, the caseworker told who (no reason asked), the invite closed for good;
staff can send a new invite."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import Membership
from tests.support.harness import Harness


def _gran(h: Harness, fid: int) -> Membership:
    return h.call(lambda ctx: ctx.s.scalar(select(Membership).where(Membership.family_id == fid,
                                                                     Membership.name == "Gran")))


async def test_a_decline_is_reported_and_the_old_consent_button_is_dead(h: Harness) -> None:
    fid = h.make_family()
    code = h.invite(fid, "Gran", "key_safety_person")
    await h.command("gran", "start", code)
    agree = h.console.button("gran", "I agree").data
    await h.press("gran", "No thanks")
    assert h.last("gran").startswith("That's fine. Nothing has been linked")
    assert _gran(h, fid).state == "declined"
    assert [a.subject for a in h.audit("consent.declined")] == [f"membership:{_gran(h, fid).id}"]
    notices = [t for t in h.texts("anna") if "Gran said no" in t]
    assert notices == ["Gran said no to joining the safety network for the Rowan family. Their invite is closed. "
                       "If they change their mind, you can send them a new invite."]
    assert "why" not in notices[0].lower() and "reason" not in notices[0].lower()

    await h.press("gran", "I agree", data=agree)  # the old button, pressed later
    assert "You said no to this invite, so it is closed" in h.last("gran")
    assert _gran(h, fid).state == "declined" and _gran(h, fid).person_id is None
    await h.command("gran", "start", code)  # the old code too
    assert "You said no to this invite" in h.last("gran")
    await h.press("gran", "No thanks")  # pressed twice: told once
    assert len([t for t in h.texts("anna") if "Gran said no" in t]) == 1

    new_code = h.invite(fid, "Gran", "key_safety_person")  # she changed her mind: staff send a new invite
    await h.press("gran", "I agree", data=agree)
    assert "expired" in h.last("gran") and _gran(h, fid).state == "invited"
    await h.command("gran", "start", new_code)
    await h.press("gran", "I agree")
    assert _gran(h, fid).state == "active"
    assert any(t.startswith("Thank you for joining") for t in h.texts("gran"))
    assert any("Gran has joined" in t for t in h.texts("anna"))


async def test_no_thanks_on_a_used_invite_does_not_undo_the_membership(hs: Harness) -> None:
    fid = hs.make_family()
    code = hs.invite(fid, "Gran", "key_safety_person")
    await hs.command("gran", "start", code)
    decline = hs.console.button("gran", "No thanks").data
    await hs.press("gran", "I agree")
    await hs.press("gran", "No thanks", data=decline)
    assert _gran(hs, fid).state == "active"
    assert "already been used" in hs.last("gran")
    assert not any("said no" in t for t in hs.texts("anna"))
