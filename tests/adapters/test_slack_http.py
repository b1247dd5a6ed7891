"""The /slack/events endpoint: signatures, stale requests, Slack's retries, unknown users."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from storage.models import Family
from tests.support.fake_slack import SlackEnv
from tests.support.harness import PLAN

CASE, SUP, STRANGER = "U0CASE", "U0SUP", "U0WHO"
ALL_DAY = {"work_start": "00:00", "work_end": "23:59", "work_days": "MO-SU"}


@pytest.fixture
async def env(sqlite_url: str) -> AsyncIterator[SlackEnv]:
    e = await SlackEnv.start(sqlite_url)
    yield e
    await e.close()


def family(env: SlackEnv) -> int:
    return env.h.make_family(caseworker=f"slack:{CASE}", caseworker_name="Anna", supervisor=f"slack:{SUP}",
                             **ALL_DAY)


def families(env: SlackEnv) -> int:
    return int(env.h.call(lambda ctx: ctx.s.scalar(select(func.count()).select_from(Family))) or 0)


async def test_bad_signature_is_401_and_nothing_happens(env: SlackEnv) -> None:
    family(env)
    calls = len(env.fake.calls)
    status, _ = await env.post(env.command_body(CASE, "status"), "application/x-www-form-urlencoded",
                               secret="not-the-secret")
    assert status == 401
    status, _ = await env.post(env.event_body({"type": "app_home_opened", "user": CASE, "tab": "home"}),
                               "application/json", secret="wrong")
    assert status == 401
    assert len(env.fake.calls) == calls, "no Web API call was made"
    assert env.h.audit("family.status") == []


async def test_stale_timestamp_is_401(env: SlackEnv) -> None:
    family(env)
    body = env.event_body({"type": "app_home_opened", "user": CASE, "tab": "home"})
    status, _ = await env.post(body, "application/json", timestamp=int(time.time()) - 6 * 60)
    assert status == 401
    assert env.fake.called("views.publish") == []
    status, _ = await env.post(body, "application/json")  # the same, fresh: accepted
    assert status == 200 and len(env.fake.called("views.publish")) == 1


async def test_retried_deliveries_have_one_effect(env: SlackEnv) -> None:
    h = env.h
    fid = family(env)
    await h.join(fid, "Gran", "gran", "key_safety_person")
    await h.join(fid, "Sue", "sue", "key_safety_person")
    h.apply(fid, PLAN)
    await h.advance_to(h.now.replace(hour=20, minute=5))
    ack = env.button_value(CASE, "Acknowledge")

    body = env.action_body(CASE, ack)
    assert (await env.post(body, "application/x-www-form-urlencoded"))[0] == 200
    assert (await env.post(body, "application/x-www-form-urlencoded", retry=1))[0] == 200
    assert len(h.audit("escalation.acknowledge")) == 1
    assert len(env.fake.called("chat.update")) == 1
    assert len([m for m in env.fake.dms(CASE) if "You have acknowledged it" in m.text]) == 1, "one reply"

    event = env.event_body({"type": "app_home_opened", "user": CASE, "tab": "home"}, event_id="Ev0RETRY")
    for retry in (None, 1, 2):
        assert (await env.post(event, "application/json", retry=retry))[0] == 200
    assert len(env.fake.called("views.publish")) == 1

    # A slash command Slack delivers twice creates one family, not two.
    before = families(env)
    command = env.command_body(CASE, "new")
    await env.post(command, "application/x-www-form-urlencoded")
    await env.post(command, "application/x-www-form-urlencoded", retry=1)
    assert len(env.fake.called("views.open")) == 1
    view = env.fake.last_view()
    submission = env.submission_body(CASE, view, {"alias": "the Birch family", "supervisor": SUP})
    await env.post(submission, "application/x-www-form-urlencoded")
    await env.post(submission, "application/x-www-form-urlencoded", retry=1)
    assert families(env) == before + 1


async def test_unknown_slack_user_is_refused_ephemerally(env: SlackEnv) -> None:
    family(env)
    status, body = await env.command(STRANGER, "new")
    assert status == 200 and "doesn't know you" in body
    status, body = await env.command(STRANGER, "status")
    assert "doesn't know you" in body
    assert env.fake.called("views.open") == []
    assert [a.outcome for a in env.h.audit() if a.actor == f"slack:{STRANGER}"] == ["refused", "refused"]


async def test_network_member_on_slack_cannot_use_staff_commands(env: SlackEnv) -> None:
    h = env.h
    fid = family(env)
    code = h.invite(fid, "Ms Lee")
    await env.command("U0TEACH", f"join {code}")
    await env.press("U0TEACH", env.button_value("U0TEACH", "I agree"))
    _status, body = await env.command("U0TEACH", "status")
    assert "only agency staff" in body
    _status, body = await env.command("U0TEACH", "plan")
    assert "only agency staff" in body and env.fake.called("views.open") == []


async def test_summary_time_from_app_home_and_command(env: SlackEnv) -> None:
    from storage.models import Person

    family(env)
    await env.event({"type": "app_home_opened", "user": CASE, "tab": "home"})
    home = env.fake.last_view("views.publish")
    picker = next(b for b in home["blocks"] if b.get("block_id") == "summary_time")
    assert picker["accessory"]["initial_time"] == "08:30"
    await env.press(CASE, "", action_id="ft_summary_time", in_home=True,
                    extra={"type": "timepicker", "selected_time": "07:15"})
    times = env.h.call(lambda ctx: [p.summary_time for p in ctx.s.scalars(select(Person))
                                    if p.display_name == "Anna"])
    assert times == ["07:15"]
    republished = env.fake.last_view("views.publish")
    assert next(b for b in republished["blocks"] if b.get("block_id") == "summary_time")[
        "accessory"]["initial_time"] == "07:15"
    _status, body = await env.command(CASE, "summary 18:00")
    assert "18:00" in body


async def test_direct_messages_reach_the_conversation_and_bot_echoes_are_ignored(env: SlackEnv) -> None:
    await env.event({"type": "message", "channel_type": "im", "channel": "D0WHO", "user": STRANGER,
                     "text": "hello", "ts": "1.1"})
    assert "you need an invite" in env.fake.dms(STRANGER)[-1].text
    posted = len(env.fake.called("chat.postMessage"))
    await env.event({"type": "message", "channel_type": "im", "channel": "D0WHO", "user": "U0BOT",
                     "bot_id": "B0BOT", "text": "Welcome", "ts": "1.2"})
    assert len(env.fake.called("chat.postMessage")) == posted
