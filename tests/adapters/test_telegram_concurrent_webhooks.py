"""Forty people invited to one family open their invites at the same moment, then press "I agree" at the same
moment (ten presses delivered twice, as Telegram does now and then), through the webhook on SQLite over
real HTTP. Every request is answered 200, every update counts once, SQLite never has two transactions open
at once, not even with the engine's sweeps running on their own thread meanwhile (one writer: no
"database is locked", nothing retried), and each press is answered in the webhook's own HTTP response:
the fake Bot API sees no answerCallbackQuery request."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import event, func, select

from bot.buttons import ButtonAction, make
from bot.services.context import Ctx
from bot.services.invites import create_invite
from bot.testing import OPERATOR
from storage.models import AuditEvent, InboundReceipt, Invite, Membership
from tests.support.fake_telegram import Sent
from tests.support.telegram_world import TelegramWorld

MEMBERS = 40
FIRST = 2001


@pytest.fixture
async def webhook(sqlite_url: str) -> AsyncIterator[TelegramWorld]:
    async with TelegramWorld(sqlite_url, "webhook") as w:
        yield w


class Overlap:
    """The most transactions open on the database at once."""

    def __init__(self, engine: Any) -> None:
        self.open = self.most = 0
        event.listen(engine, "begin", self._begin)
        event.listen(engine, "commit", self._end)
        event.listen(engine, "rollback", self._end)

    def _begin(self, _conn: Any) -> None:
        self.open += 1
        self.most = max(self.most, self.open)

    def _end(self, _conn: Any) -> None:
        self.open = max(0, self.open - 1)


async def test_forty_members_agree_at_once_through_the_webhook(
        webhook: TelegramWorld, caplog: pytest.LogCaptureFixture) -> None:
    fake, h = webhook.fake, webhook.h
    fid = h.make_family()
    users = range(FIRST, FIRST + MEMBERS)

    def invite(ctx: Ctx, user: int) -> tuple[int, str]:
        new = create_invite(ctx, OPERATOR, fid, f"Member {user}", "supporter")
        return ctx.s.scalar(select(Invite.id).where(Invite.membership_id == new.membership.id)) or 0, new.code

    invites = {user: h.call(lambda ctx, user=user: invite(ctx, user)) for user in users}
    starts = [fake.message(user, f"/start {invites[user][1]}", name=f"Member {user}") for user in users]
    presses = []
    for user in users:  # the consent request each was sent (as the fake would keep it), with its signed button
        agree = make(h.app.secret, ButtonAction.CONSENT, invites[user][0], "y")
        presses.append(fake.press(user, Sent(user, 1, "consent", [[{"text": "I agree", "callback_data": agree}]]),
                                  agree, name=f"Member {user}"))
    again = presses[::4]
    overlap = Overlap(h.app.db.engine)
    h.app.router.on_outbox = None  # the replies wait in the outbox: delivering them is not this test's subject

    with caplog.at_level(logging.INFO):
        statuses = await asyncio.gather(*(fake.deliver(u) for u in starts))
        *statuses_2, _tick = await asyncio.gather(*(fake.deliver(p) for p in presses),
                                                  *(fake.deliver(p, again=True) for p in again),
                                                  h.app.engine.tick())  # the sweeps' own thread, meanwhile
        statuses += statuses_2

    assert statuses == [200] * (2 * MEMBERS + len(again))
    assert overlap.most == 1, "one writer: never two SQLite transactions at once"
    logged = [r.getMessage() for r in caplog.records]
    assert not [line for line in logged if "locked" in line or "unavailable" in line or "retrying" in line]
    receipts, joined, consents = h.call(lambda ctx: (
        ctx.s.scalar(select(func.count()).select_from(InboundReceipt)),
        ctx.s.scalar(select(func.count()).select_from(Membership).where(
            Membership.family_id == fid, Membership.role == "supporter", Membership.consent_at.is_not(None))),
        ctx.s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "consent.given"))))
    assert (receipts, joined, consents) == (2 * MEMBERS, MEMBERS, MEMBERS), "each update counted once"
    assert fake.called("answerCallbackQuery") == [], "no answer as a request of its own"
    for press in presses:
        query = press["callback_query"]["id"]
        assert fake.answered(query) == ["response"] * (2 if press in again else 1), query
