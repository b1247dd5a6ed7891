"""A small fake of Twilio's REST API on loopback, for the SMS transport with the real `twilio` library.

It answers POST /2010-04-01/Accounts/{AccountSid}/Messages.json (form-encoded To, From or
MessagingServiceSid, Body; HTTP basic auth with the account SID and auth token) like Twilio does: 201 and
the message resource as JSON, or 401 for a wrong token; and POST .../Calls.json (To, From, Twiml) likewise,
the call recorded with its TwiML. `fail_next` makes the next request fail with a status."""

from __future__ import annotations

import base64
import itertools
from dataclasses import dataclass

from aiohttp import web

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "fake-twilio-auth-token"
FROM = "+15005550006"


@dataclass
class Text:
    to: str
    sender: str
    body: str


@dataclass
class Call:
    to: str
    caller: str
    twiml: str


class FakeTwilio:
    def __init__(self) -> None:
        self.texts: list[Text] = []
        self.calls: list[Call] = []
        self.fail_next: int | None = None
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> FakeTwilio:
        app = web.Application()
        app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", self._message)
        app.router.add_post("/2010-04-01/Accounts/{sid}/Calls.json", self._call)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def _refused(self, request: web.Request) -> web.Response | None:
        """401 for a wrong account or token; the failure asked for with `fail_next`; else None."""
        expected = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
        if request.headers.get("Authorization") != expected or request.match_info["sid"] != ACCOUNT_SID:
            return web.json_response({"code": 20003, "message": "Authenticate", "status": 401}, status=401)
        if self.fail_next is not None:
            status, self.fail_next = self.fail_next, None
            return web.json_response({"code": 20500, "message": "fake failure", "status": status}, status=status)
        return None

    async def _message(self, request: web.Request) -> web.Response:
        if (refused := self._refused(request)) is not None:
            return refused
        form = await request.post()
        text = Text(str(form.get("To", "")), str(form.get("From") or form.get("MessagingServiceSid") or ""),
                    str(form.get("Body", "")))
        self.texts.append(text)
        sid = f"SM{next(self._ids):032x}"
        return web.json_response({"sid": sid, "account_sid": ACCOUNT_SID, "to": text.to, "from": text.sender,
                                  "body": text.body, "status": "queued", "num_segments": "1"}, status=201)

    async def _call(self, request: web.Request) -> web.Response:
        if (refused := self._refused(request)) is not None:
            return refused
        form = await request.post()
        call = Call(str(form.get("To", "")), str(form.get("From", "")), str(form.get("Twiml", "")))
        if not (call.to and call.caller and call.twiml):
            return web.json_response({"code": 21201, "message": "To, From and Twiml are required", "status": 400},
                                     status=400)
        self.calls.append(call)
        sid = f"CA{next(self._ids):032x}"
        return web.json_response({"sid": sid, "account_sid": ACCOUNT_SID, "to": call.to, "from": call.caller,
                                  "status": "queued"}, status=201)
