"""Slack end to end: the real Bolt app on the bot's HTTP server, signed requests in, a fake Web API out."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.services.invites import create_invite
from storage.models import Family, Meeting, MeetingInvitee, Membership, PlanVersion
from tests.support.fake_slack import SlackEnv
from tests.support.harness import OPERATOR, PLAN

CASE, SUP, OTHER, TEACHER = "U0CASE", "U0SUP", "U0OTHER", "U0TEACH"
ALL_DAY = {"work_start": "00:00", "work_end": "23:59", "work_days": "MO-SU"}


@pytest.fixture
async def env(db_url: str) -> AsyncIterator[SlackEnv]:
    e = await SlackEnv.start(db_url)
    yield e
    await e.close()


def slack_family(env: SlackEnv, alias: str = "the Rowan family", caseworker: str = CASE, **kw: Any) -> int:
    kw.setdefault("supervisor", f"slack:{SUP}")
    return env.h.make_family(alias=alias, caseworker=f"slack:{caseworker}", caseworker_name="Anna", **kw)


def texts_of(blocks: list[dict[str, Any]]) -> str:
    out = []
    for b in blocks:
        for key in ("text",):
            if isinstance(b.get(key), dict):
                out.append(b[key]["text"])
        for el in b.get("elements", []):
            if isinstance(el, dict) and "text" in el:
                out.append(el["text"] if isinstance(el["text"], str) else el["text"]["text"])
    return "\n".join(out)


def button_labels(blocks: list[dict[str, Any]]) -> list[str]:
    return [el["text"]["text"] for b in blocks if b["type"] == "actions" for el in b["elements"]]


def option_value(view: dict[str, Any], block_id: str, label: str) -> str:
    block = next(b for b in view["blocks"] if b.get("block_id") == block_id)
    return next(o["value"] for o in block["element"]["options"] if o["text"]["text"] == label)


async def open_modal(env: SlackEnv, user: str, text: str) -> dict[str, Any]:
    before = len(env.fake.called("views.open"))
    status, body = await env.command(user, text)
    assert status == 200 and body == "", body
    opened = env.fake.called("views.open")
    assert len(opened) == before + 1, "the command opens a modal"
    return env.fake.last_view()


async def edit_item(env: SlackEnv, user: str, overview: dict[str, Any], action_id: str, value: str = "",
                    **values: Any) -> dict[str, Any]:
    """Press a plan item's Edit (or an Add) on the overview, submit the form it pushes with `values`, and
    return the overview as it stands then (shown anew by views.update)."""
    pushed = len(env.fake.called("views.push"))
    await env.press_in_view(user, overview, action_id, value)
    assert len(env.fake.called("views.push")) == pushed + 1, "the button pushes the item's form"
    form = env.fake.last_view("views.push")
    assert form["callback_id"] == "ft_plan_item"
    answer = await env.submit(user, form, **values)
    assert answer == {}, answer
    updated = env.fake.called("views.update")[-1]
    assert updated["view_id"] == overview["id"]
    return env.fake.views[overview["id"]]


async def test_caseworker_creates_family_invites_plans_and_schedules(env: SlackEnv) -> None:
    h = env.h
    slack_family(env, alias="the Oak family")  # Anna is already on the agency's team
    view = await open_modal(env, CASE, "new")
    answer = await env.submit(CASE, view, alias="the Rowan family", timezone="Europe/London", supervisor=SUP,
                              duty="U0DUTY")
    assert answer["response_action"] == "update"
    fid = h.call(lambda ctx: ctx.s.scalar(select(Family.id).where(Family.alias == "the Rowan family")))
    assert fid is not None
    roles = h.call(lambda ctx: sorted(m.role for m in ctx.s.scalars(select(Membership).where(
        Membership.family_id == fid))))
    assert roles == ["caseworker", "duty", "supervisor"]

    # Invite Gran, who uses Telegram: the caseworker gets a code to pass on.
    view = await open_modal(env, CASE, "invite Rowan")
    assert view["callback_id"] == "ft_invite"
    answer = await env.submit(CASE, view, name="Gran", role="key_safety_person")
    shown = texts_of(answer["view"]["blocks"])
    code = re.search(r"/start (\w+)", shown)
    assert code, shown
    await h.command("gran", "start", code.group(1))
    await h.press("gran", "I agree")
    assert any("Thank you for joining" in t for t in h.texts("gran"))

    # Invite a teacher who is on Slack: she is asked for consent by DM and joins with the button.
    view = await open_modal(env, CASE, "invite Rowan")
    answer = await env.submit(CASE, view, name="Ms Lee", role="supporter", how="slack", slack_user=TEACHER)
    assert answer["response_action"] == "update"
    await h.app.dispatcher.dispatch_once()
    assert "invited to join the safety network" in env.fake.dms(TEACHER)[-1].text
    await env.press(TEACHER, env.button_value(TEACHER, "I agree"))
    assert any("Thank you for joining" in m.text for m in env.fake.dms(TEACHER))

    # Write the plan: a bottom line and Gran's commitment with the schedule picker, each in its own form.
    view = await open_modal(env, CASE, "plan Rowan")
    assert view["callback_id"] == "ft_plan"
    view = await edit_item(env, CASE, view, "ft_plan_bl_new", text="No drinking while caring for the children")
    view = await edit_item(env, CASE, view, "ft_plan_c_new", member="Gran", text="Collect the children from school",
                           days=["MO", "WE", "FR"], time="15:30", grace="45m")
    assert "Collect the children from school" in texts_of(view["blocks"])
    answer = await env.submit(CASE, view, contingency="Take the children to Gran's.", avoid="Kevin")
    assert answer == {"response_action": "errors", "errors": {"reason": answer["errors"]["reason"]}}, \
        "saving asks for the reason"
    answer = await env.submit(CASE, view, contingency="Take the children to Gran's.", avoid="Kevin",
                              reason="Agreed at the family meeting")
    assert "version 1" in texts_of(answer["view"]["blocks"])
    v1 = h.call(lambda ctx: ctx.s.scalar(select(PlanVersion).where(PlanVersion.family_id == fid)))
    assert v1.content["people_to_avoid"] == ["Kevin"]
    assert v1.content["commitment"][0]["schedule"] == "FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=15;BYMINUTE=30"
    assert v1.content["commitment"][0]["grace"] == "45m"
    assert v1.reason == "Agreed at the family meeting" and v1.author.startswith("person:")

    # Edit it: the editor starts from version 1; add Ms Lee's commitment guarding the bottom line.
    view = await open_modal(env, CASE, "plan Rowan")
    await env.press_in_view(CASE, view, "ft_plan_c_new")
    form = env.fake.last_view("views.push")
    guard = option_value(form, "guards", "No drinking while caring for the children")
    view = await edit_item(env, CASE, view, "ft_plan_c_new", member="Ms Lee",
                           text="Say hello to the children at the gate", days=["MO", "TU", "WE", "TH", "FR"],
                           time="08:45", guards=guard)
    answer = await env.submit(CASE, view, reason="School offered to help")
    assert "version 2" in texts_of(answer["view"]["blocks"])
    v2 = h.call(lambda ctx: ctx.s.scalar(select(PlanVersion).where(PlanVersion.family_id == fid,
                                                                    PlanVersion.number == 2)))
    assert [c["member"] for c in v2.content["commitment"]] == ["Gran", "Ms Lee"]
    assert v2.content["commitment"][0] == v1.content["commitment"][0], "an edit keeps what was not touched"
    assert v2.content["commitment"][1]["guards"] == v2.content["bottom_line"][0]["key"]
    await h.app.dispatcher.dispatch_once()
    assert any("Say hello to the children" in m.text for m in env.fake.dms(TEACHER)), "told her commitment"

    # An editor left open while someone else saves a version never overwrites it unseen.
    stale = await open_modal(env, CASE, "plan Rowan")
    fresh = await open_modal(env, CASE, "plan Rowan")
    answer = await env.submit(CASE, fresh, contingency="Take the children to Gran's, then call duty.",
                              reason="Duty number added")
    assert "version 3" in texts_of(answer["view"]["blocks"])
    answer = await env.submit(CASE, stale, contingency="Something else", reason="A late edit")
    assert answer["response_action"] == "errors" and "changed by someone else" in answer["errors"]["reason"]

    # Schedule a review meeting and invite Gran.
    view = await open_modal(env, CASE, "meeting Rowan")
    gran = option_value(view, "invitees", "Gran")
    answer = await env.submit(CASE, view, kind="review", date="2026-12-04", time="10:00", place="Family centre",
                              invitees=[gran])
    assert answer["response_action"] == "update"
    meetings = h.call(lambda ctx: [(m.kind, m.place) for m in ctx.s.scalars(select(Meeting))])
    assert meetings == [("review", "Family centre")]
    assert h.call(lambda ctx: len(list(ctx.s.scalars(select(MeetingInvitee))))) == 1
    await h.app.dispatcher.dispatch_once()
    assert any("You are invited: Review meeting" in t for t in h.texts("gran"))

    # Status, only for the caseworker.
    status, body = await env.command(CASE, "status Rowan")
    assert status == 200 and "the Rowan family" in body and "plan version 3" in body


@pytest.mark.storage  # the Slack path once on PostgreSQL too
async def test_escalation_acknowledged_then_resolved(env: SlackEnv) -> None:
    h = env.h
    fid = slack_family(env, **ALL_DAY)
    slack_family(env, alias="the Ash family", caseworker=OTHER)
    await h.join(fid, "Gran", "gran", "key_safety_person")
    await h.join(fid, "Sue", "sue", "key_safety_person")
    h.apply(fid, PLAN)
    await h.advance_to(h.now.replace(hour=20, minute=5))
    alert = env.fake.dms(CASE)[-1]
    assert alert.text.startswith("🚨 Bottom line needs attention: the Rowan family")
    assert alert.blocks[0]["type"] == "header"
    body = texts_of(alert.blocks)
    for part in ("No drinking while caring for the children", "Take the children to Gran's", "Last 7 days",
                 "Call Mum at 7", "UTC"):
        assert part in body, part
    assert button_labels(alert.blocks) == ["Acknowledge", "Resolve"]

    # App Home shows the open escalation first.
    await env.event({"type": "app_home_opened", "user": CASE, "tab": "home", "channel": "D0CASE"})
    home = env.fake.last_view("views.publish")
    assert env.fake.called("views.publish")[-1]["user_id"] == CASE
    assert "Open escalations" in texts_of(home["blocks"][:1])
    assert "Call Mum at 7" in texts_of(home["blocks"][1:2])

    # Another family's caseworker presses the button: a refusal (by DM, as on every platform), nothing changes.
    ack = env.button_value(CASE, "Acknowledge")
    await env.press(OTHER, ack, channel="D0OTHER")
    assert "not assigned" in env.fake.dms(OTHER)[-1].text
    assert h.escalations()[0].state == "open"
    assert [a.outcome for a in h.audit("escalation.acknowledge")] == ["refused"]

    # The caseworker acknowledges: the alert is updated in place and the chain stops.
    await env.press(CASE, ack)
    assert h.escalations()[0].state == "acknowledged"
    updated = env.fake.messages[(alert.channel, alert.ts)]
    assert "Acknowledged by Anna" in updated.text and updated.edits
    assert button_labels(updated.blocks) == ["Resolve"]
    await h.advance(timedelta(hours=2))
    assert env.fake.dms(SUP) == [], "acknowledged: the supervisor is not asked"

    # Resolve asks for a note in a modal.
    await env.press(CASE, env.button_value(CASE, "Resolve"))
    view = env.fake.last_view()
    assert view["callback_id"] == "ft_resolve"
    assert await env.submit(CASE, view, note="Spoke to Sue and Mum; all fine.") == {}
    esc = h.escalations()[0]
    assert esc.state == "resolved" and esc.resolution_note == "Spoke to Sue and Mum; all fine."
    updated = env.fake.messages[(alert.channel, alert.ts)]
    assert "Resolved by Anna" in updated.text and button_labels(updated.blocks) == []


async def test_unacknowledged_escalation_moves_to_supervisor(env: SlackEnv) -> None:
    h = env.h
    fid = slack_family(env, **ALL_DAY)
    await h.join(fid, "Gran", "gran", "key_safety_person")
    await h.join(fid, "Sue", "sue", "key_safety_person")
    h.apply(fid, PLAN)
    await h.advance_to(h.now.replace(hour=20, minute=5))
    alert = env.fake.dms(CASE)[-1]
    assert env.fake.dms(SUP) == []
    await h.advance(timedelta(minutes=35))
    sup_alert = env.fake.dms(SUP)[-1]
    assert "Bottom line needs attention" in sup_alert.text and "Anna" in texts_of(sup_alert.blocks)
    follow = [m for m in env.fake.dms(CASE) if m.thread_ts == alert.ts]
    assert follow and "has now been told" in follow[-1].text, "the next step is told in the alert's thread"
    # A late answer is a follow-up in the thread too; the supervisor can acknowledge.
    await h.say("sue", "done")
    assert any("Late answer" in m.text for m in env.fake.dms(CASE) if m.thread_ts == alert.ts)
    await env.press(SUP, env.button_value(SUP, "Acknowledge"))
    assert h.escalations()[0].state == "acknowledged"
    assert "Acknowledged by" in env.fake.messages[(alert.channel, alert.ts)].text, "every alert is updated"


async def test_slack_supporter_answers_checkins_with_buttons(env: SlackEnv) -> None:
    h = env.h
    fid = slack_family(env)
    await h.join(fid, "Gran", "gran", "key_safety_person")
    sue_code = h.call(lambda ctx: create_invite(ctx, OPERATOR, fid, "Sue", "key_safety_person").code)
    await env.command(TEACHER, f"join {sue_code}")
    await env.press(TEACHER, env.button_value(TEACHER, "I agree"))
    h.apply(fid, PLAN)
    await h.advance_to(h.now.replace(hour=19, minute=1))
    prompt = env.fake.dms(TEACHER)[-1]
    assert "Call Mum at 7" in prompt.text
    assert button_labels(prompt.blocks) == ["✅ Done", "❌ Not done", "⚠️ Worried", "Add a note"]
    await env.press(TEACHER, env.button_value(TEACHER, "Done"))
    assert [c.state for c in h.checkins() if c.due_at == h.now.replace(hour=19, minute=0)] == ["done"]
    assert "Recorded: Done" in env.fake.messages[(prompt.channel, prompt.ts)].text
