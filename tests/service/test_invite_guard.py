"""Invite edges (issue 12): consent counts only from the chat that typed the code, and invite guessing is
limited across the whole bot as well as per chat, without spending the send budget or the audit trail."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.services.guessing import WINDOW
from storage.models import ChatIdentity, Membership
from tests.support.harness import MONDAY, Harness

SLOW = "Too many codes"
UNKNOWN = "don't recognise"
ELSEWHERE = "This invitation was opened in another chat. Ask your caseworker for a new one if you need it."


def state(h: Harness, fid: int, name: str) -> str:
    return h.call(lambda ctx: ctx.s.scalars(select(Membership.state).where(
        Membership.family_id == fid, Membership.name == name)).one())


def linked(h: Harness, chat: str) -> bool:
    return bool(h.call(lambda ctx: ctx.s.scalar(select(ChatIdentity.person_id).where(
        ChatIdentity.platform == "console", ChatIdentity.external_id == chat))))


async def test_consent_buttons_pressed_in_another_chat_are_refused_audited_and_change_nothing(h: Harness) -> None:
    fid = h.make_family()
    code = h.invite(fid, "Gran")
    await h.command("gran", "start", code)
    agree, decline = h.console.button("gran", "I agree").data, h.console.button("gran", "No thanks").data
    await h.press("mallory", "", data=agree)
    assert h.last("mallory") == ELSEWHERE
    await h.press("mallory", "", data=decline)
    assert h.last("mallory") == ELSEWHERE
    assert state(h, fid, "Gran") == "invited" and not linked(h, "mallory")
    assert not any("Gran" in t for t in h.texts("anna")), "the caseworker hears of no join and no refusal"
    refused = [(a.action, a.detail) for a in h.audit() if a.outcome == "refused"]
    assert refused == [("invite.accept", "other_chat"), ("consent.declined", "other_chat")]
    await h.press("gran", "I agree")  # the chat that typed the code still can
    assert state(h, fid, "Gran") == "active" and linked(h, "gran")


async def test_guessing_is_limited_across_the_bot_with_one_reply_per_chat_and_one_audit_row(sqlite_url: str) -> None:
    h = Harness(sqlite_url, FAMILYTEAM_INVITE_GUESSES_PER_WINDOW=3)
    try:
        fid = h.make_family()
        code = h.invite(fid, "Gran")
        await h.join(fid, "Sue", "sue")
        for chat in ("g1", "g2", "g3"):
            await h.command(chat, "start", "WRONGCODE1")
            assert UNKNOWN in h.last(chat)
        for chat in ("g4", "g1", "sue"):  # over the bot's limit: each chat told once to wait, then nothing
            await h.command(chat, "start", "WRONGCODE2")
            assert SLOW in h.last(chat)
            before = len(h.texts(chat))
            await h.command(chat, "start", "WRONGCODE3")
            assert len(h.texts(chat)) == before, "no second reply in the window"
        await h.command("gran", "start", code)  # the right code still opens its invite
        await h.press("gran", "I agree")
        assert state(h, fid, "Gran") == "active"
        [row] = h.audit("invite.guesses")
        assert row.detail.startswith("7 wrong codes"), "unlinked chats: one row a window, with the count"
        assert [a.detail for a in h.audit("invite.check")] == ["slow_down", "slow_down"], "a member: each guess"
        await h.advance_to(MONDAY + WINDOW + timedelta(minutes=1), step=WINDOW)
        await h.command("g4", "start", "WRONGCODE4")
        assert UNKNOWN in h.last("g4"), "a new window starts afresh"
        assert len(h.audit("invite.guesses")) == 2
    finally:
        h.close()
