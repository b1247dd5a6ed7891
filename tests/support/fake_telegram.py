"""A small fake Bot API server on loopback, for end-to-end tests with the real python-telegram-bot.

It speaks the parts of https://core.telegram.org/bots/api the adapter uses: getMe, getWebhookInfo, setMyCommands,
getUpdates (long polling honouring offset, limit and timeout), setWebhook/deleteWebhook (and, once a webhook is set,
it delivers updates to it like Telegram does, with the secret token header), sendMessage, editMessageText,
answerCallbackQuery. Updates come in the recorded shapes of tests/fixtures/telegram (`shaped`, `edited`, `blocked`:
edits, forwards, media, my_chat_member, channel posts, an unreadable old voice message) as well as plain texts and
presses. Failures can be injected (429 with retry_after, 5xx, 403 for a chat that blocked the bot), and Telegram's
sending limits enforced (`Limits`: 429 beyond 30 messages a second or one a second per chat). Nothing here sleeps (but
a call told to stall, `stall`, which answers after the client has given up): waiting is on asyncio events with a
bounded timeout, so a broken test fails instead of hanging.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from tests.support.fake_trouble import Faults, Limits

TOKEN = "123456:TEST-token_for-the-fake"
BOT_ID = 123456
BOT_USERNAME = "familyteam_test_bot"
WAIT = 10.0  # the longest any helper waits for something that should happen at once


@dataclass
class Sent:
    """A message the bot sent, as the fake keeps it (the latest version after edits)."""

    chat_id: int
    message_id: int
    text: str
    buttons: list[list[dict[str, str]]]  # [[{"text": ..., "callback_data": ...}]]
    reply_to: int | None = None
    edits: list[str] = field(default_factory=list)  # earlier texts

    def labels(self) -> list[str]:
        return [b["text"] for row in self.buttons for b in row]

    def button(self, label_part: str) -> str:
        for row in self.buttons:
            for b in row:
                if label_part.lower() in b["text"].lower():
                    return b["callback_data"]
        raise LookupError(f"no button {label_part!r} on message {self.message_id}: {self.labels()}")

    def as_api(self) -> dict[str, Any]:
        chat_type = "private" if self.chat_id > 0 else "group"
        out: dict[str, Any] = {
            "message_id": self.message_id, "date": 1_700_000_000, "text": self.text,
            "chat": {"id": self.chat_id, "type": chat_type},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "FamilyTeam", "username": BOT_USERNAME},
        }
        if self.buttons:
            out["reply_markup"] = {"inline_keyboard": self.buttons}
        return out


@dataclass
class Failure:
    method: str
    status: int
    description: str
    retry_after: int | None = None
    chat_id: int | None = None  # only calls for this chat
    stall: float = 0.0  # status 0: do the call, then answer only after this many seconds (a client timeout)


@dataclass
class Call:
    method: str
    params: dict[str, Any]


class FakeTelegram:
    def __init__(self, token: str = TOKEN, limits: Limits | None = None, faults: Faults | None = None) -> None:
        self.token = token
        self.limits = limits  # None: no limits enforced
        self.faults = faults
        self.calls: list[Call] = []
        self.messages: list[Sent] = []
        self.blocked: set[int] = set()
        self.failures: list[Failure] = []
        self.webhook: dict[str, Any] | None = None
        self.webhook_responses: list[int] = []
        self.webhook_replies: list[Call] = []  # method calls the bot made in its webhook responses
        self._pending: list[tuple[dict[str, Any], bool]] = []  # (update, redelivery ignoring offset)
        self._update_ids = itertools.count(5001)
        self._message_ids = itertools.count(1)
        self._queued = asyncio.Event()
        self._confirmed = 0  # the highest offset getUpdates was called with
        self._offset_moved = asyncio.Condition()
        self._sent = asyncio.Condition()
        self._called = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.url = ""

    # --- server ----------------------------------------------------------------------------------

    async def start(self) -> str:
        webapp = web.Application()
        webapp.router.add_route("*", "/bot{token}/{method}", self._route)
        self._runner = web.AppRunner(webapp)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        self._queued.set()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _params(self, request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            raw: dict[str, Any] = await request.json()
        else:
            raw = dict(await request.post())
        params: dict[str, Any] = {}
        for key, value in raw.items():
            if isinstance(value, str) and value[:1] in "[{":
                with contextlib.suppress(ValueError):
                    value = json.loads(value)
            params[key] = value
        return params

    async def _route(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return self._error(401, "Unauthorized")
        method = request.match_info["method"]
        params = await self._params(request)
        async with self._called:
            self.calls.append(Call(method, params))
            self._called.notify_all()
        chat = params.get("chat_id")
        chat_id = int(chat) if chat is not None else None
        for failure in self.failures:
            if failure.method == method and failure.chat_id in (None, chat_id):
                self.failures.remove(failure)
                if failure.status == 0:
                    return await self._stalled(method, params, failure.stall)
                extra = {"retry_after": failure.retry_after} if failure.retry_after else None
                return self._error(failure.status, failure.description, extra)
        trouble = await self._trouble(method, params, chat_id)
        if trouble is not None:
            return trouble
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return self._error(404, "Not Found: method not found")
        result = await handler(params)
        if isinstance(result, web.Response):
            return result
        return web.json_response({"ok": True, "result": result})

    async def _trouble(self, method: str, params: dict[str, Any], chat_id: int | None) -> web.Response | None:
        """A 429 beyond the limits, or a random fault: the answer instead of the method's own (None: no trouble)."""
        if self.limits is not None and method in ("sendMessage", "editMessageText") and self.limits.refuse(chat_id):
            return self._error(429, "Too Many Requests: retry after 1", {"retry_after": 1})
        fault = self.faults.pick() if self.faults is not None and method == "sendMessage" else None
        if fault == "429":
            return self._error(429, "Too Many Requests: retry after 1", {"retry_after": 1})
        if fault == "502":
            return self._error(502, "Bad Gateway")
        if fault == "stall" and self.faults is not None:
            return await self._stalled(method, params, self.faults.stall)
        return None

    async def _stalled(self, method: str, params: dict[str, Any], seconds: float) -> web.Response:
        """The call takes effect (Telegram got it), but the answer comes too late for the client."""
        result = await getattr(self, f"_api_{method}")(params)
        await asyncio.sleep(seconds)
        return result if isinstance(result, web.Response) else web.json_response({"ok": True, "result": result})

    @staticmethod
    def _error(status: int, description: str, parameters: dict[str, Any] | None = None) -> web.Response:
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if parameters:
            body["parameters"] = parameters
        return web.json_response(body, status=status)

    # --- Bot API methods -------------------------------------------------------------------------

    async def _api_getMe(self, _p: dict[str, Any]) -> dict[str, Any]:
        return {"id": BOT_ID, "is_bot": True, "first_name": "FamilyTeam", "username": BOT_USERNAME,
                "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}

    async def _api_setMyCommands(self, _p: dict[str, Any]) -> bool:
        return True

    async def _api_setWebhook(self, p: dict[str, Any]) -> bool:
        self.webhook = {"url": p["url"], "secret_token": p.get("secret_token"),
                        "allowed_updates": p.get("allowed_updates")}
        return True

    async def _api_getWebhookInfo(self, _p: dict[str, Any]) -> dict[str, Any]:
        return {"url": (self.webhook or {}).get("url", ""), "has_custom_certificate": False,
                "pending_update_count": 0}

    async def _api_deleteWebhook(self, _p: dict[str, Any]) -> bool:
        self.webhook = None
        return True

    async def _api_answerCallbackQuery(self, _p: dict[str, Any]) -> bool:
        return True

    async def _api_getUpdates(self, p: dict[str, Any]) -> Any:
        if self.webhook is not None:
            return self._error(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = int(p.get("offset") or 0)
        limit = int(p.get("limit") or 100)
        timeout = float(p.get("timeout") or 0)
        await self._confirm(offset)
        if not self._pending and timeout > 0:
            self._queued.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._queued.wait(), timeout)
        batch = self._pending[:limit]
        self._pending = [entry for entry in self._pending if not (entry in batch and entry[1])]
        return [update for update, _ in batch]

    async def _confirm(self, offset: int) -> None:
        if offset <= 0:
            return
        self._pending = [(u, again) for u, again in self._pending if again or u["update_id"] >= offset]
        if offset > self._confirmed:
            async with self._offset_moved:
                self._confirmed = offset
                self._offset_moved.notify_all()

    async def _api_sendMessage(self, p: dict[str, Any]) -> Any:
        chat_id = int(p["chat_id"])
        if chat_id in self.blocked:
            return self._error(403, "Forbidden: bot was blocked by the user")
        reply = p.get("reply_parameters") or {}
        markup = p.get("reply_markup") or {}
        sent = Sent(chat_id, next(self._message_ids), p["text"], markup.get("inline_keyboard", []),
                    reply_to=reply.get("message_id"))
        async with self._sent:
            self.messages.append(sent)
            self._sent.notify_all()
        return sent.as_api()

    async def _api_editMessageText(self, p: dict[str, Any]) -> Any:
        chat_id, message_id = int(p["chat_id"]), int(p["message_id"])
        if chat_id in self.blocked:
            return self._error(403, "Forbidden: bot was blocked by the user")
        found = next((m for m in self.messages if m.chat_id == chat_id and m.message_id == message_id), None)
        if found is None:
            return self._error(400, "Bad Request: message to edit not found")
        markup = p.get("reply_markup") or {}
        buttons = markup.get("inline_keyboard", [])
        if found.text == p["text"] and found.buttons == buttons:
            return self._error(400, "Bad Request: message is not modified: specified new message content and "
                                    "reply markup are exactly the same as a current content and reply markup "
                                    "of the message")
        found.edits.append(found.text)
        found.text, found.buttons = p["text"], buttons
        return found.as_api()

    # --- what the bot did --------------------------------------------------------------------------

    def chat(self, chat_id: int) -> list[Sent]:
        return [m for m in self.messages if m.chat_id == chat_id]

    def texts(self, chat_id: int) -> list[str]:
        return [m.text for m in self.chat(chat_id)]

    def last(self, chat_id: int) -> Sent:
        return self.chat(chat_id)[-1]

    def last_with_buttons(self, chat_id: int) -> Sent:
        for m in reversed(self.chat(chat_id)):
            if m.buttons:
                return m
        raise LookupError(f"no message with buttons in chat {chat_id}")

    def called(self, method: str) -> list[dict[str, Any]]:
        return [c.params for c in self.calls if c.method == method]

    def fail(self, method: str, status: int, description: str, *, retry_after: int | None = None,
             chat_id: int | None = None, times: int = 1) -> None:
        for _ in range(times):
            self.failures.append(Failure(method, status, description, retry_after, chat_id))

    def stall(self, method: str, seconds: float, *, chat_id: int | None = None) -> None:
        """The next such call takes effect, but its answer comes after `seconds` (past the client's timeout)."""
        self.failures.append(Failure(method, 0, "", chat_id=chat_id, stall=seconds))

    # --- users talking to the bot ----------------------------------------------------------------

    @staticmethod
    def user(user_id: int, name: str = "Test", language: str = "en") -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": name, "language_code": language}

    def message(self, user_id: int, text: str, *, chat_id: int | None = None, name: str = "Test",
                language: str = "en") -> dict[str, Any]:
        chat_id = user_id if chat_id is None else chat_id
        chat: dict[str, Any] = {"id": chat_id, "type": "private" if chat_id > 0 else "group"}
        if chat_id < 0:
            chat["title"] = "Family chat"
        msg: dict[str, Any] = {"message_id": next(self._message_ids), "date": 1_700_000_000, "chat": chat,
                               "from": self.user(user_id, name, language), "text": text}
        if text.startswith("/"):
            msg["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split(" ")[0])}]
        return {"update_id": next(self._update_ids), "message": msg}

    def press(self, user_id: int, sent: Sent, data: str, *, name: str = "Test", language: str = "en"
              ) -> dict[str, Any]:
        """A callback query: `user_id` taps a button carrying `data` on message `sent`."""
        update_id = next(self._update_ids)
        return {"update_id": update_id, "callback_query": {
            "id": f"cq{update_id}", "from": self.user(user_id, name, language), "chat_instance": str(sent.chat_id),
            "message": sent.as_api(), "data": data}}

    def shaped(self, name: str, user_id: int) -> dict[str, Any]:
        """An update shaped like the recorded one tests/fixtures/telegram/NAME.json (an edit, a forward, a voice
        note, a block, a channel post, ...), from `user_id`, with a fresh update_id."""
        from tests.support.fixtures import telegram

        return telegram(name, user_id, next(self._update_ids))

    def edited(self, update: dict[str, Any], text: str) -> dict[str, Any]:
        """The member edits the message of an earlier update: same message_id, an edit_date, the new text."""
        message = {**update["message"], "text": text, "edit_date": update["message"]["date"] + 60}
        return {"update_id": next(self._update_ids), "edited_message": message}

    def blocked(self, user_id: int, *, unblocked: bool = False) -> dict[str, Any]:
        """The member blocks the bot (or unblocks it), as Telegram reports it in the private chat."""
        return self.shaped("my_chat_member_member" if unblocked else "my_chat_member_kicked", user_id)

    def added_to_group(self, user_id: int, group_id: int) -> dict[str, Any]:
        bot = {"id": BOT_ID, "is_bot": True, "first_name": "FamilyTeam"}
        return {"update_id": next(self._update_ids), "my_chat_member": {
            "chat": {"id": group_id, "type": "group", "title": "Family chat"}, "from": self.user(user_id),
            "date": 1_700_000_000, "old_chat_member": {"status": "left", "user": bot},
            "new_chat_member": {"status": "member", "user": bot}}}

    async def deliver(self, update: dict[str, Any], *, again: bool = False) -> int | None:
        """Hand an update to the bot the way Telegram would: POST it to the webhook if one is set (and
        return the HTTP status), else queue it for getUpdates. `again` redelivers an update that was
        already confirmed, as Telegram does now and then."""
        if self.webhook is not None:
            headers = {"Content-Type": "application/json"}
            if self.webhook.get("secret_token"):
                headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook["secret_token"]
            async with aiohttp.ClientSession() as session, session.post(
                    self.webhook["url"], data=json.dumps(update), headers=headers,
                    timeout=aiohttp.ClientTimeout(total=WAIT)) as resp:
                self.webhook_responses.append(resp.status)
                await self._reply_call(resp)
                return resp.status
        self._pending.append((update, again))
        self._queued.set()
        return None

    async def _reply_call(self, resp: aiohttp.ClientResponse) -> None:
        """A method call in a 200 webhook response, performed as Telegram would (in `webhook_replies`, not `calls`)."""
        if resp.status != 200 or resp.content_type != "application/json":
            return
        body = await resp.json()
        if isinstance(body, dict) and isinstance(body.get("method"), str):
            params = {k: v for k, v in body.items() if k != "method"}
            self.webhook_replies.append(Call(body["method"], params))
            handler = getattr(self, f"_api_{body['method']}", None)
            if handler is not None:
                await handler(params)

    def answered(self, query_id: str) -> list[str]:
        """How a callback query was answered: "request" (answerCallbackQuery called) and/or "response" (in
        the webhook's HTTP response), once per answer."""
        return ["request" for p in self.called("answerCallbackQuery") if p.get("callback_query_id") == query_id] + [
            "response" for c in self.webhook_replies
            if c.method == "answerCallbackQuery" and c.params.get("callback_query_id") == query_id]

    async def wait_answered(self, query_id: str, timeout: float = WAIT) -> list[str]:
        """Until the callback query was answered (polling answers beside the work, not before it)."""
        async with self._called:
            await asyncio.wait_for(self._called.wait_for(lambda: bool(self.answered(query_id))), timeout)
        return self.answered(query_id)

    async def wait_confirmed(self, update_id: int, timeout: float = WAIT) -> None:
        """Until the bot has confirmed (fetched past) this update."""
        async with self._offset_moved:
            await asyncio.wait_for(self._offset_moved.wait_for(lambda: self._confirmed > update_id), timeout)

    async def wait_message(self, chat_id: int, count: int = 1, timeout: float = WAIT) -> Sent:
        """Until `count` messages went to this chat (for code paths the test does not drive itself)."""
        async with self._sent:
            await asyncio.wait_for(self._sent.wait_for(lambda: len(self.chat(chat_id)) >= count), timeout)
        return self.chat(chat_id)[count - 1]
