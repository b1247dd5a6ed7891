"""Acknowledge, resolve and add a note have one implementation and one reply text: the same words come
back whether the press and the note come from the console, Telegram or Slack."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.conversation.router import Router
from messages import render
from messages.catalog import translator
from tests.support.fake_slack import SlackEnv
from tests.support.harness import PLAN, Harness
from tests.support.telegram_world import TelegramWorld

EN = translator("en")
ACKNOWLEDGED = render.staff_ack_done(EN, "acknowledged").text
RESOLVED = render.staff_ack_done(EN, "resolved").text
RESOLVE_PROMPT = render.resolve_note_prompt(EN).text
NOTE_PROMPT = render.note_prompt(EN).text
NOTE_SAVED = render.note_saved(EN).text
DAYTIME_PLAN = PLAN.replace("BYHOUR=19;BYMINUTE=0", "BYHOUR=11;BYMINUTE=0")
ALERT_AT = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)  # 11:00 + 1 h grace: Sue's check-in is missed
GRAN_DUE = datetime(2026, 11, 30, 15, 30, tzinfo=UTC)


def test_the_reply_texts_are_distinct() -> None:
    assert len({ACKNOWLEDGED, RESOLVED, RESOLVE_PROMPT, NOTE_PROMPT, NOTE_SAVED}) == 5


async def test_console(h: Harness) -> None:
    await h.network(DAYTIME_PLAN)
    await h.advance_to(ALERT_AT)
    await h.press("anna", "Acknowledge")
    assert h.last("anna") == ACKNOWLEDGED
    await h.press("anna", "Resolve")
    assert h.last("anna") == RESOLVE_PROMPT
    await h.say("anna", "Called Sue, all well")
    assert h.last("anna") == RESOLVED
    assert h.escalations()[0].resolution_note == "Called Sue, all well"

    await h.advance_to(GRAN_DUE)
    await h.press("gran", "Add a note")
    assert h.last("gran") == NOTE_PROMPT
    await h.say("gran", "A bit late")
    assert h.last("gran") == NOTE_SAVED


async def test_telegram(sqlite_url: str) -> None:
    anna, gran, sue = 2001, 2002, 2003
    async with TelegramWorld(sqlite_url, "polling") as w:
        fid = w.h.make_family(caseworker=f"telegram:{anna}")
        await w.join(fid, "Gran", gran, "key_safety_person")
        await w.join(fid, "Sue", sue, "key_safety_person")
        w.h.apply(fid, DAYTIME_PLAN)
        await w.h.advance_to(ALERT_AT)
        alert = w.fake.last_with_buttons(anna)
        await w.press(anna, "Acknowledge", alert)
        assert w.fake.last(anna).text == ACKNOWLEDGED
        await w.press(anna, "Resolve", w.fake.last_with_buttons(anna))
        assert w.fake.last(anna).text == RESOLVE_PROMPT
        await w.say(anna, "Called Sue, all well")
        assert w.fake.last(anna).text == RESOLVED
        assert w.h.escalations()[0].resolution_note == "Called Sue, all well"

        await w.h.advance_to(GRAN_DUE)
        await w.press(gran, "Add a note")
        assert w.fake.last(gran).text == NOTE_PROMPT
        await w.say(gran, "A bit late")
        assert w.fake.last(gran).text == NOTE_SAVED


async def test_slack(sqlite_url: str) -> None:
    case, teacher = "U0CASE", "U0TEACH"
    env = await SlackEnv.start(sqlite_url)
    try:
        h = env.h
        fid = h.make_family(caseworker=f"slack:{case}", caseworker_name="Anna")
        await h.join(fid, "Gran", "gran", "key_safety_person")
        code = h.invite(fid, "Sue", "key_safety_person")
        await env.command(teacher, f"join {code}")
        await env.press(teacher, env.button_value(teacher, "I agree"))
        h.apply(fid, DAYTIME_PLAN)
        await h.advance_to(ALERT_AT)
        await env.press(case, env.button_value(case, "Acknowledge"))
        assert env.fake.dms(case)[-1].text == ACKNOWLEDGED
        await env.press(case, env.button_value(case, "Resolve"))
        view = env.fake.last_view()
        assert view["callback_id"] == "ft_resolve", "Slack collects the note in a modal"
        assert await env.submit(case, view, note="Called Sue, all well") == {}
        await h.app.dispatcher.dispatch_once()
        assert env.fake.dms(case)[-1].text == RESOLVED
        assert h.escalations()[0].resolution_note == "Called Sue, all well"

        # Sue answers on Slack the next day and adds a note: the router's prompt, then the typed note.
        await h.advance_to(datetime(2026, 12, 1, 11, 1, tzinfo=UTC))
        await env.press(teacher, env.button_value(teacher, "Add a note"))
        assert env.fake.dms(teacher)[-1].text == NOTE_PROMPT
        await env.event({"type": "message", "channel_type": "im", "channel": "D0TEACH", "user": teacher,
                         "text": "A bit late", "ts": "5.1"})
        assert env.fake.dms(teacher)[-1].text == NOTE_SAVED
    finally:
        await env.close()


async def test_a_slack_retry_is_deduplicated_by_the_shared_receipt(sqlite_url: str) -> None:
    """A retried press reaches the core with the same event id; the router's InboundReceipt drops it."""
    from sqlalchemy import select

    from storage.models import InboundReceipt

    env = await SlackEnv.start(sqlite_url)
    try:
        h = env.h
        fid = h.make_family(caseworker="slack:U0CASE", caseworker_name="Anna")
        await h.join(fid, "Gran", "gran", "key_safety_person")
        await h.join(fid, "Sue", "sue", "key_safety_person")
        h.apply(fid, DAYTIME_PLAN)
        await h.advance_to(ALERT_AT)
        body = env.action_body("U0CASE", env.button_value("U0CASE", "Acknowledge"))
        for retry in (None, 1, 2):
            assert (await env.post(body, "application/x-www-form-urlencoded", retry=retry))[0] == 200
        assert [m.text for m in env.fake.dms("U0CASE")].count(ACKNOWLEDGED) == 1
        receipts = h.call(lambda ctx: [(r.platform, r.event_id) for r in ctx.s.scalars(select(InboundReceipt))])
        acts = [r for r in receipts if r[1].startswith("act:")]
        assert len(acts) == 1 and acts[0][0] == "slack", "one receipt, the same table every platform uses"
        assert [r for r in receipts if r[0] == "slack-http"] == [], "no second, Slack-only mechanism"
    finally:
        await env.close()


def test_the_router_is_the_one_door() -> None:
    import bot.app

    assert bot.app.Router is Router
