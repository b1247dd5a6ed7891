"""The Slack plan editor for the largest plans the product takes (40 commitments, 10 bottom lines), end to end:
signed requests in, the fake Web API (which refuses what Slack refuses) out. Every commitment is shown, one is
edited, one added, and the plan is saved; nothing is ever cut, and no view or message exceeds Slack's limits."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import func, select

from storage.models import PlanDraft, PlanVersion
from tests.adapters.test_slack_e2e import CASE, edit_item, open_modal, slack_family, texts_of
from tests.support.fake_slack import BOT_TOKEN, FakeSlack, SlackEnv
from tests.support.slack_rules import message_problem, view_problem

LONG = "and then " * 50  # commitments and bottom lines may say up to 500 characters


@pytest.fixture
async def env(db_url: str) -> AsyncIterator[SlackEnv]:
    e = await SlackEnv.start(db_url)
    yield e
    await e.close()


def big_plan(commitments: int, bottom_lines: int = 10) -> str:
    parts = ['contingency = "Take the children to Gran\'s."', 'people_to_avoid = ["Kevin"]']
    for b in range(bottom_lines):
        parts.append(f'[[bottom_line]]\nkey = "line-{b}"\ntext = "Bottom line {b}: {LONG}"'.rstrip())
    for c in range(commitments):
        member = ("Gran", "Sue")[c % 2]
        guards = f'\nguards = "line-{c % bottom_lines}"' if bottom_lines else ""
        parts.append(f'[[commitment]]\nkey = "c-{c}"\nmember = "{member}"\ntext = "Task {c:02d}: {LONG}"\n'
                     f'schedule = "FREQ=DAILY;BYHOUR={8 + c % 12};BYMINUTE=0"\ngrace = "1h"{guards}')
    return "\n\n".join(parts) + "\n"


async def family_with_plan(env: SlackEnv, commitments: int, bottom_lines: int = 10, *, joined: bool = False) -> int:
    fid = slack_family(env)
    for name, role in (("Gran", "key_safety_person"), ("Sue", "supporter")):
        if joined:
            await env.h.join(fid, name, name.lower(), role)
        else:
            env.h.invite(fid, name, role)
    env.h.apply(fid, big_plan(commitments, bottom_lines))
    return fid


def edit_buttons(view: dict[str, Any], prefix: str) -> list[tuple[str, str]]:
    """(action id, value) of the overview's Edit buttons for one kind of item, in order."""
    return [(b["accessory"]["action_id"], b["accessory"].get("value", "")) for b in view["blocks"]
            if b["type"] == "section" and b.get("accessory", {}).get("action_id", "").startswith(prefix)]


@pytest.mark.parametrize("size", [12, 39])  # 39 + the one added = 40, the most a plan may hold
async def test_a_big_plan_is_opened_edited_extended_and_saved(env: SlackEnv, size: int) -> None:
    h = env.h
    fid = await family_with_plan(env, size)
    view = await open_modal(env, CASE, "plan Rowan")
    assert view_problem(view) is None and len(view["blocks"]) <= 100
    shown = texts_of(view["blocks"])
    assert all(f"Task {c:02d}" in shown for c in range(size)), "every commitment is in the overview"
    assert all(f"Bottom line {b}:" in shown for b in range(10)), "every bottom line is in the overview"
    assert {b["block_id"] for b in view["blocks"] if b["type"] == "input"} == {"contingency", "avoid", "reason"}
    commitments = edit_buttons(view, "ft_plan_c_")
    assert len(commitments) == size and len(edit_buttons(view, "ft_plan_bl_")) == 10
    assert len(view["private_metadata"]) < 100, "the edits are kept server-side, not in the view"

    # Edit the last commitment: its form shows it as it is; a change comes back in the overview.
    action, ref = commitments[-1]
    await env.press_in_view(CASE, view, action, ref)
    form = env.fake.last_view("views.push")
    assert f"Task {size - 1:02d}" in json.dumps(form)
    view = await edit_item(env, CASE, view, action, ref, text="Phone the school at noon", time="12:00")
    assert "Phone the school at noon" in texts_of(view["blocks"])
    # Add one more, and take a bottom line out.
    view = await edit_item(env, CASE, view, "ft_plan_c_new", member="Sue", text="Walk the dog with the kids",
                           days=["SA"], time="10:00")
    line_action, line_ref = edit_buttons(view, "ft_plan_bl_")[0]
    view = await edit_item(env, CASE, view, line_action, line_ref, text="")
    shown = texts_of(view["blocks"])
    assert all(f"Task {c:02d}" in shown for c in range(size - 1)) and "Walk the dog" in shown
    assert len(edit_buttons(view, "ft_plan_c_")) == size + 1 and len(view["blocks"]) <= 100

    # The commitments guarding the removed bottom line stop the save, and it says which.
    guarding = [c for c in range(size) if c % 10 == 0]
    answer = await env.submit(CASE, view, reason="Review meeting")
    assert answer["response_action"] == "errors"
    assert answer["errors"]["reason"].startswith(f"Commitments {', '.join(str(c + 1) for c in guarding)}: ")
    for c in guarding:
        action, ref = edit_buttons(view, "ft_plan_c_")[c]
        view = await edit_item(env, CASE, view, action, ref, guards="-")
    answer = await env.submit(CASE, view, reason="Review meeting")
    assert "version 2" in texts_of(answer["view"]["blocks"]), answer

    latest = h.call(lambda ctx: ctx.s.scalar(select(PlanVersion).where(PlanVersion.family_id == fid)
                                             .order_by(PlanVersion.number.desc()).limit(1)))
    saved = latest.content["commitment"]
    assert len(saved) == size + 1 and len(latest.content["bottom_line"]) == 9
    assert saved[size - 1]["text"] == "Phone the school at noon"
    assert saved[size - 1]["schedule"] == "FREQ=DAILY;BYHOUR=12;BYMINUTE=0"
    assert saved[size]["member"] == "Sue" and saved[size]["key"] == "walk-the-dog-with-the-kids"
    assert [c["text"] for c in saved[1:size - 1]] == [f"Task {c:02d}: {LONG}".strip() for c in range(1, size - 1)]
    assert latest.reason == "Review meeting"
    assert h.call(lambda ctx: ctx.s.scalar(select(func.count(PlanDraft.id)))) == 0, "a saved draft is gone"


async def test_item_forms_refuse_what_a_save_would(env: SlackEnv) -> None:
    await family_with_plan(env, 3, 2)
    view = await open_modal(env, CASE, "plan Rowan")
    await env.press_in_view(CASE, view, "ft_plan_c_new")
    form = env.fake.last_view("views.push")
    answer = await env.submit(CASE, form, member="Gran", text="Bake a cake")
    assert answer == {"response_action": "errors", "errors": {"time": "Choose a check-in time."}}
    answer = await env.submit(CASE, form, member="Gran", text="", time="10:00")
    assert set(answer["errors"]) == {"text"}
    answer = await env.submit(CASE, form, member="Gran", text="Bake a cake", rrule="FREQ=HOURLY")
    assert set(answer["errors"]) == {"time"} and "12" in answer["errors"]["time"]
    assert "Bake a cake" not in texts_of(env.fake.views[view["id"]]["blocks"]), "nothing refused is kept"


async def test_a_stale_editor_never_overwrites_a_newer_version(env: SlackEnv) -> None:
    fid = await family_with_plan(env, 12)
    stale = await open_modal(env, CASE, "plan Rowan")
    action, ref = edit_buttons(stale, "ft_plan_c_")[3]
    stale = await edit_item(env, CASE, stale, action, ref, text="Something else entirely")
    fresh = await open_modal(env, CASE, "plan Rowan")
    answer = await env.submit(CASE, fresh, contingency="Call duty first.", reason="Duty number added")
    assert "version 2" in texts_of(answer["view"]["blocks"])
    answer = await env.submit(CASE, stale, reason="A late edit")
    assert answer["response_action"] == "errors" and "changed by someone else" in answer["errors"]["reason"]
    latest = env.h.call(lambda ctx: ctx.s.scalar(select(func.max(PlanVersion.number))
                                                 .where(PlanVersion.family_id == fid)))
    assert latest == 2
    # The saved editor's draft is gone: its Save again says so instead of saving twice.
    answer = await env.submit(CASE, fresh, contingency="Again", reason="Twice")
    assert answer["response_action"] == "errors" and "open the plan again" in answer["errors"]["reason"]


async def test_no_view_or_message_for_the_largest_plan_exceeds_slacks_limits(env: SlackEnv) -> None:
    h = env.h
    fid = await family_with_plan(env, 40, joined=True)
    view = await open_modal(env, CASE, "plan Rowan")
    assert view_problem(view) is None and len(view["blocks"]) <= 100
    for action, ref in [*edit_buttons(view, "ft_plan_c_")[:3], *edit_buttons(view, "ft_plan_bl_")[:3],
                        ("ft_plan_c_new", ""), ("ft_plan_bl_new", "")]:
        await env.press_in_view(CASE, view, action, ref)
        assert view_problem(env.fake.last_view("views.push")) is None
    # The Home tab, with 40 check-ins of 500 characters today, and the status answer.
    await h.advance(timedelta(minutes=5))
    await env.event({"type": "app_home_opened", "user": CASE, "tab": "home", "channel": "D0CASE"})
    home = env.fake.last_view("views.publish")
    assert view_problem(home) is None and len(home["blocks"]) <= 100
    today = [c for c in h.checkins() if c.due_at.date() == h.now.date()]
    assert len(today) >= 36 and texts_of(home["blocks"]).count("Task ") == len(today), "every check-in of today"
    # Every message sent so far (commitments told to members on Slack, alerts, summaries) was accepted.
    for method in ("chat.postMessage", "chat.update"):
        for args in env.fake.called(method):
            assert message_problem(args) is None
    assert fid and env.fake.called("chat.postMessage"), "the caseworker was told about the plan on Slack"


async def test_fake_slack_refuses_what_slack_refuses() -> None:
    fake = await FakeSlack().start()
    client = AsyncWebClient(token=BOT_TOKEN, base_url=fake.url, retry_handlers=[])

    async def call(method: str, **args: Any) -> dict[str, Any]:
        try:
            return dict((await client.api_call(method, json=args)).data)  # type: ignore[arg-type]
        except SlackApiError as exc:
            return dict(exc.response.data)

    try:
        section = {"type": "section", "text": {"type": "mrkdwn", "text": "x"}}
        modal = {"type": "modal", "title": {"type": "plain_text", "text": "Plan"}, "blocks": [section] * 101}
        for method, args in (("views_open", {"trigger_id": "t"}), ("views_push", {"trigger_id": "t"}),
                             ("views_publish", {"user_id": "U1"})):
            view = {**modal, "type": "home"} if method == "views_publish" else modal
            answer = await call(method.replace("_", "."), **args, view=view)
            assert answer["ok"] is False and answer["error"] == "invalid_arguments", method
        ok = await call("views.open", trigger_id="t", view={**modal, "blocks": [section]})
        assert ok["ok"]
        answer = await call("views.update", view_id=ok["view"]["id"], view=modal)
        assert answer["error"] == "invalid_arguments"
        assert fake.views[ok["view"]["id"]]["blocks"] == [section], "a refused update changes nothing"
        posted = [("blocks", [section] * 51, "invalid_blocks"),
                  ("blocks", [{"type": "section", "text": {"type": "mrkdwn", "text": "y" * 3001}}], "invalid_blocks"),
                  ("text", "z" * 40001, "msg_too_long")]
        for key, given, error in posted:
            args = {"channel": "C1", "text": "hi", key: given}
            answer = await call("chat.postMessage", **args)
            assert answer["error"] == error, key
        good = await call("chat.postMessage", channel="C1", text="hi", blocks=[section])
        answer = await call("chat.update", channel="C1", ts=good["ts"], text="hi", blocks=[section] * 51)
        assert answer["error"] == "invalid_blocks"
        assert fake.messages[("C1", good["ts"])].blocks == [section]
    finally:
        await fake.close()
