"""A fake Slack Web API on loopback that records what the bot calls, and a test environment that serves
the real Bolt app on the bot's real HTTP server (bot/web.py) and sends it signed requests as Slack would."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from bot.ports import UNLIMITED
from bot.web import start_web
from handlers.slack.adapter import SlackAdapter
from tests.support.harness import Harness
from tests.support.slack_rules import message_problem, view_problem

SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"


@dataclass
class Call:
    method: str
    args: dict[str, Any]


@dataclass
class Posted:
    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    thread_ts: str | None = None
    edits: list[dict[str, Any]] = field(default_factory=list)


class FakeSlack:
    """Answers auth.test, chat.postMessage/update/postEphemeral and views.*; records every call."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.messages: dict[tuple[str, str], Posted] = {}
        self.failures: dict[str, list[tuple[int, dict[str, Any], dict[str, str]]]] = {}
        self._ts = itertools.count(1)
        self._views = itertools.count(1)
        self.views: dict[str, dict[str, Any]] = {}  # every view shown, by id, as it stands now
        self.shown: list[tuple[str, str]] = []  # (method, view id) of each successful views.* call
        self.url = ""
        self._runner: web.AppRunner | None = None
        self._changed = asyncio.Condition()

    async def start(self) -> FakeSlack:
        app = web.Application()
        app.router.add_post("/api/{method}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}/api/"
        return self

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def fail(self, method: str, error: str, status: int = 200, headers: dict[str, str] | None = None,
             times: int = 1) -> None:
        """The next `times` calls of `method` fail like Slack would."""
        self.failures.setdefault(method, []).extend([(status, {"ok": False, "error": error}, headers or {})] * times)

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.content_type == "application/json":
            args = await request.json()
        else:
            args = {k: _maybe_json(str(v)) for k, v in (await request.post()).items()}
        self.calls.append(Call(method, args))
        async with self._changed:
            self._changed.notify_all()
        if self.failures.get(method):
            status, body, headers = self.failures[method].pop(0)
            return web.json_response(body, status=status, headers=headers)
        return web.json_response(self._answer(method, args))

    def _answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {"ok": True, "url": "https://fake.slack.test/", "team": "Fake", "user": "familyteam",
                    "team_id": "T0FAKE", "user_id": "U0BOT", "bot_id": "B0BOT"}
        if method in ("chat.postMessage", "chat.update"):
            problem = message_problem(args)
            if problem:
                return {"ok": False, "error": problem}
        if method == "chat.postMessage":
            channel = args["channel"]
            channel = "D" + channel[1:] if channel.startswith("U") else channel
            ts = f"1700000000.{next(self._ts):06d}"
            self.messages[(channel, ts)] = Posted(channel, ts, args.get("text", ""), args.get("blocks") or [],
                                                  args.get("thread_ts"))
            return {"ok": True, "channel": channel, "ts": ts, "message": {"text": args.get("text", "")}}
        if method == "chat.update":
            posted = self.messages.get((args["channel"], args["ts"]))
            if posted is None:
                return {"ok": False, "error": "message_not_found"}
            posted.edits.append({"text": posted.text, "blocks": posted.blocks})
            posted.text, posted.blocks = args.get("text", ""), args.get("blocks") or []
            return {"ok": True, "channel": args["channel"], "ts": args["ts"], "text": posted.text}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"1700000000.{next(self._ts):06d}"}
        if method.startswith("views."):
            return self._view(method, args)
        return {"ok": False, "error": "unknown_method"}

    def _view(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        view = dict(args.get("view") or {})
        problem = view_problem(view)
        if problem:
            return {"ok": False, "error": "invalid_arguments", "response_metadata": {"messages": [problem]}}
        if method == "views.update":
            view_id = args.get("view_id") or ""
            if view_id not in self.views:
                return {"ok": False, "error": "not_found"}
        else:
            view_id = f"V{next(self._views):04d}"
        self.views[view_id] = {**view, "id": view_id}
        self.shown.append((method, view_id))
        return {"ok": True, "view": self.views[view_id]}

    # --- looking ---------------------------------------------------------------------------------

    async def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[dict[str, Any]]:
        """Wait (for a call, not for time) until `method` was called `count` times."""
        async def seen() -> None:
            async with self._changed:
                await self._changed.wait_for(lambda: len(self.called(method)) >= count)

        await asyncio.wait_for(seen(), timeout)
        return self.called(method)

    def called(self, method: str) -> list[dict[str, Any]]:
        return [c.args for c in self.calls if c.method == method]

    def dms(self, user: str) -> list[Posted]:
        """Messages posted in the DM with a user, oldest first (thread replies included)."""
        return [m for (ch, _), m in self.messages.items() if ch == "D" + user[1:]]

    def last_view(self, method: str = "views.open") -> dict[str, Any]:
        """The view of the latest successful `method` call, as it stands now (with its id)."""
        ids = [view_id for m, view_id in self.shown if m == method]
        if not ids:
            raise LookupError(f"no successful {method} call")
        return self.views[ids[-1]]


def _maybe_json(value: str) -> Any:
    if value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def sign(body: str, timestamp: int, secret: str = SIGNING_SECRET) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def fill(view: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """The state Slack would submit for a view: each input's initial value unless `values` says otherwise."""
    state: dict[str, Any] = {}
    for block in view.get("blocks", []):
        if block.get("type") != "input":
            continue
        el, bid = block["element"], block["block_id"]
        kind, given = el["type"], values.get(bid, ...)
        entry: dict[str, Any] = {"type": kind}
        if kind == "plain_text_input":
            entry["value"] = el.get("initial_value") if given is ... else given
        elif kind in ("static_select", "radio_buttons"):
            if given is ...:
                entry["selected_option"] = el.get("initial_option")
            else:
                entry["selected_option"] = None if given is None else {"value": given}
        elif kind in ("multi_static_select", "checkboxes"):
            chosen = [o["value"] for o in el.get("initial_options", [])] if given is ... else given
            entry["selected_options"] = [{"value": v} for v in chosen]
        elif kind == "users_select":
            entry["selected_user"] = el.get("initial_user") if given is ... else given
        elif kind == "timepicker":
            entry["selected_time"] = el.get("initial_time") if given is ... else given
        elif kind == "datepicker":
            entry["selected_date"] = el.get("initial_date") if given is ... else given
        state[bid] = {el["action_id"]: entry}
    unknown = set(values) - set(state)
    assert not unknown, f"no input blocks {unknown} in view {view.get('callback_id')}"
    return state


class SlackEnv:
    """The harness app with the Slack adapter, served on an ephemeral port, talking to a FakeSlack."""

    def __init__(self, h: Harness, fake: FakeSlack, adapter: SlackAdapter, runner: web.AppRunner, url: str) -> None:
        self.h, self.fake, self.adapter, self.runner, self.url = h, fake, adapter, runner, url
        self._triggers = itertools.count(1)
        self._events = itertools.count(1)

    @classmethod
    async def start(cls, db_url: str, *, process_before_response: bool = True, **settings: Any) -> SlackEnv:
        fake = await FakeSlack().start()
        h = Harness(db_url, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=fake.url,
                    FAMILYTEAM_HTTP_PORT=0, **settings)
        adapter = SlackAdapter(h.app.settings, sink=h.app.handle, staff=h.app.staff,
                               process_before_response=process_before_response, limits=UNLIMITED)
        h.app.add_transport(adapter)
        h.app.add_service(adapter)
        runner = await start_web(h.app.db, h.app.services, h.app.transports.keys, "127.0.0.1", 0)
        await adapter.start()
        host, port = runner.addresses[0][:2]
        return cls(h, fake, adapter, runner, f"http://{host}:{port}/slack/events")

    async def close(self) -> None:
        kicked = self.h.app._kicked
        if kicked is not None and not kicked.done():
            await kicked
        await self.adapter.stop()
        await self.runner.cleanup()
        await self.fake.close()
        self.h.close()

    # --- sending as Slack ------------------------------------------------------------------------

    async def post(self, body: str, content_type: str, *, timestamp: int | None = None, secret: str = SIGNING_SECRET,
                   retry: int | None = None) -> tuple[int, str]:
        ts = int(time.time()) if timestamp is None else timestamp
        headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": str(ts),
                   "X-Slack-Signature": sign(body, ts, secret)}
        if retry is not None:
            headers["X-Slack-Retry-Num"] = str(retry)
            headers["X-Slack-Retry-Reason"] = "http_timeout"
        async with aiohttp.ClientSession() as session, session.post(self.url, data=body.encode(),
                                                                    headers=headers) as resp:
            text = await resp.text()
        await self.h.app.dispatcher.dispatch_once()
        return resp.status, text

    def trigger(self) -> str:
        return f"{next(self._triggers)}.trigger"

    def command_body(self, user: str, text: str, channel: str = "C0GENERAL") -> str:
        return urllib.parse.urlencode({
            "token": "legacy", "team_id": "T0FAKE", "channel_id": channel, "user_id": user, "user_name": user.lower(),
            "command": "/familyteam", "text": text, "response_url": "http://127.0.0.1:9/unused",
            "trigger_id": self.trigger(), "api_app_id": "A0APP"})

    async def command(self, user: str, text: str, **kw: Any) -> tuple[int, str]:
        return await self.post(self.command_body(user, text), "application/x-www-form-urlencoded", **kw)

    def _interactive(self, payload: dict[str, Any]) -> str:
        return urllib.parse.urlencode({"payload": json.dumps(payload)})

    def action_body(self, user: str, value: str, *, action_id: str = "ft_button_0_0", channel: str | None = None,
                    in_home: bool = False, extra: dict[str, Any] | None = None) -> str:
        payload: dict[str, Any] = {
            "type": "block_actions", "team": {"id": "T0FAKE"}, "api_app_id": "A0APP", "token": "legacy",
            "user": {"id": user, "name": user.lower(), "team_id": "T0FAKE"}, "trigger_id": self.trigger(),
            "actions": [{"type": "button", "action_id": action_id, "block_id": "ft_row_0", "value": value,
                         "action_ts": f"{time.time():.6f}", **(extra or {})}],
        }
        if in_home:
            payload["view"] = {"id": "VHOME", "type": "home"}
            payload["container"] = {"type": "view", "view_id": "VHOME"}
        else:
            payload["channel"] = {"id": channel or "D" + user[1:]}
            payload["container"] = {"type": "message", "channel_id": channel or "D" + user[1:]}
        return self._interactive(payload)

    async def press(self, user: str, value: str, **kw: Any) -> tuple[int, str]:
        retry = kw.pop("retry", None)
        return await self.post(self.action_body(user, value, **kw), "application/x-www-form-urlencoded", retry=retry)

    def submission_body(self, user: str, view: dict[str, Any], values: dict[str, Any]) -> str:
        submitted = {**view, "id": view.get("id", "V0SUB"), "state": {"values": fill(view, values)},
                     "hash": f"{time.time():.6f}"}
        return self._interactive({"type": "view_submission", "team": {"id": "T0FAKE"}, "api_app_id": "A0APP",
                                  "user": {"id": user, "name": user.lower()}, "trigger_id": self.trigger(),
                                  "view": submitted})

    async def submit(self, user: str, view: dict[str, Any], **values: Any) -> dict[str, Any]:
        """Submit a modal; returns Bolt's JSON answer ({} when it just closes). The answer is checked as Slack
        would: a view it shows must fit Slack's limits, and errors must name input blocks of the view."""
        status, text = await self.post(self.submission_body(user, view, values), "application/x-www-form-urlencoded")
        assert status == 200, (status, text)
        answer = json.loads(text) if text.strip() else {}
        if answer.get("response_action") in ("update", "push"):
            problem = view_problem(answer["view"])
            assert problem is None, f"Slack would refuse the answer's view: {problem}"
            if answer["response_action"] == "update" and view.get("id") in self.fake.views:
                self.fake.views[view["id"]] = {**answer["view"], "id": view["id"]}
        if answer.get("response_action") == "errors":
            inputs = {b["block_id"] for b in view.get("blocks", []) if b.get("type") == "input"}
            assert set(answer["errors"]) <= inputs, f"errors for blocks the view has not: {answer['errors']}"
        return answer

    def view_action_body(self, user: str, view: dict[str, Any], action_id: str, value: str = "") -> str:
        """A button pressed in an open modal (the payload carries the view, with its id and metadata)."""
        action = {"type": "button", "action_id": action_id, "block_id": "b", "action_ts": f"{time.time():.6f}"}
        if value:
            action["value"] = value
        payload = {"type": "block_actions", "team": {"id": "T0FAKE"}, "api_app_id": "A0APP", "token": "legacy",
                   "user": {"id": user, "name": user.lower(), "team_id": "T0FAKE"}, "trigger_id": self.trigger(),
                   "container": {"type": "view", "view_id": view["id"]}, "view": {**view, "state": {"values": {}}},
                   "actions": [action]}
        return self._interactive(payload)

    async def press_in_view(self, user: str, view: dict[str, Any], action_id: str, value: str = "") -> None:
        status, text = await self.post(self.view_action_body(user, view, action_id, value),
                                       "application/x-www-form-urlencoded")
        assert status == 200, (status, text)

    def event_body(self, event: dict[str, Any], event_id: str | None = None) -> str:
        return json.dumps({"token": "legacy", "team_id": "T0FAKE", "api_app_id": "A0APP", "type": "event_callback",
                           "event_id": event_id or f"Ev{next(self._events):04d}", "event_time": int(time.time()),
                           "event": event})

    async def event(self, event: dict[str, Any], **kw: Any) -> tuple[int, str]:
        return await self.post(self.event_body(event, kw.pop("event_id", None)), "application/json", **kw)

    def shaped_body(self, name: str, user: str) -> str:
        """An Events API body shaped like the recorded tests/fixtures/slack/NAME.json (message_changed, a file
        share, a bot's message, a deletion, an event type we did not ask for, ...), from `user` in their DM."""
        from tests.support.fixtures import slack

        return json.dumps(slack(name, user, "D" + user[1:], f"Ev{next(self._events):04d}"))

    async def shaped(self, name: str, user: str, **kw: Any) -> tuple[int, str]:
        return await self.post(self.shaped_body(name, user), "application/json", **kw)

    # --- looking ---------------------------------------------------------------------------------

    def button_value(self, user: str, label: str) -> str:
        """The value of the newest button labelled `label` in the user's DM (as it stands now)."""
        for m in reversed(self.fake.dms(user)):
            for block in m.blocks:
                for el in block.get("elements", []):
                    if el.get("type") == "button" and label.lower() in el["text"]["text"].lower():
                        return str(el["value"])
        raise LookupError(f"no button {label!r} for {user}")
