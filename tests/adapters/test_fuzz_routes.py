"""No request makes the bot answer 5xx: hypothesis-generated bodies (updates and events shaped like the real
ones with garbage values, random JSON, random bytes), wrong content types and headers that are not ASCII,
through the real HTTP server of an app built by bot/bootstrap.py (tests/adapters/test_replay_fixtures.py's
`replay`: Telegram's webhook and Slack's /slack/events on one server, the fakes behind them).

With the right secret (Telegram) or a correct signature (Slack) the answer is never a 5xx (Telegram would
deliver it again and again); with a wrong or missing one it is 403 (Telegram) or 401 (Slack)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
import urllib.parse
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.adapters.test_replay_fixtures import GRAN, Replay, _network, replay  # noqa: F401  (the fixture)
from tests.support.fake_slack import SIGNING_SECRET
from tests.support.fake_telegram import WAIT

TELEGRAM_SECRET = b"replay-Secret_1"  # what the `replay` fixture sets as TELEGRAM_WEBHOOK_SECRET
FUZZ = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# --- strategies ------------------------------------------------------------------------------------------

scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-2**70, max_value=2**70),
                    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=40))
json_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)), max_leaves=12)
words = st.one_of(st.text(max_size=60), st.sampled_from([
    "/start", "/start ABCDEFGH23", "/timezone America", "/timezone ../../etc", "/timezone Europe/London",
    "/language xx", "/quiet 25:00-99:99", "/pause 9999999d", "worried", "done", "/stop", "/forget", "x~\u0080",
    "\u202eevil", "/help@other_bot", "/mine extra words"]))
ids = st.one_of(st.just(GRAN), st.integers(min_value=-2**63, max_value=2**63), json_values)
user = st.fixed_dictionaries({"id": ids}, optional={"is_bot": json_values, "first_name": st.text(max_size=200),
                                                    "language_code": st.one_of(st.text(max_size=10), json_values)})
chat = st.fixed_dictionaries({"id": ids}, optional={"type": st.one_of(st.sampled_from(
    ["private", "group", "supergroup", "channel"]), json_values)})
message = st.fixed_dictionaries(
    {"message_id": st.one_of(st.integers(min_value=-5, max_value=2**40), json_values), "chat": chat,
     "date": st.one_of(st.integers(min_value=-2**40, max_value=2**40), json_values)},
    optional={"from": user, "text": st.one_of(words, json_values), "caption": words, "edit_date": json_values,
              "forward_origin": json_values, "voice": json_values, "photo": json_values})
callback = st.fixed_dictionaries(
    {"id": st.one_of(st.text(max_size=20), json_values), "from": user, "chat_instance": st.text(max_size=10)},
    optional={"data": st.one_of(st.text(max_size=64), st.sampled_from(["x~\u0080", "~", "m~1~coming~zz"])),
              "message": message})
update = st.fixed_dictionaries(
    {"update_id": st.one_of(st.integers(min_value=0, max_value=2**40), json_values)},
    optional={"message": message, "edited_message": message, "callback_query": callback,
              "my_chat_member": json_values, "channel_post": message})
telegram_body = st.one_of(update.map(lambda u: json.dumps(u).encode()),
                          json_values.map(lambda v: json.dumps(v).encode()), st.binary(max_size=200))
content_types = st.sampled_from([b"application/json", b"text/plain", b"application/x-www-form-urlencoded",
                                 b"multipart/form-data; boundary=x", b"application/json; charset=latin-1",
                                 b"application/json; charset=no-such-charset", b"", "t\u00e9xt/\u00fc".encode()])
# Header bytes HTTP allows (visible ASCII, space, tab and obs-text 0x80-0xFF: not ASCII, but legal): control
# characters are refused by aiohttp's parser with 400 before any route sees them.
header_bytes = st.binary(max_size=40).map(lambda b: bytes(c for c in b if (c >= 0x20 and c != 0x7F) or c == 0x09))
wrong_secrets = st.one_of(st.none(), header_bytes.filter(lambda b: b != TELEGRAM_SECRET),
                          st.sampled_from([TELEGRAM_SECRET + b"\x80", b"\xff\xfe", "replay-Secret_\u00e9".encode(),
                                           TELEGRAM_SECRET[:-1], b" " + TELEGRAM_SECRET + b"x"]))

event = st.fixed_dictionaries(
    {"type": st.one_of(st.sampled_from(["message", "app_mention", "app_home_opened", "member_joined_channel"]),
                       json_values)},
    optional={"user": st.one_of(st.sampled_from(["U0SUE", "U0ANNA", "U0NOBODY"]), json_values),
              "channel": st.one_of(st.sampled_from(["D0SUE", "C0GENERAL"]), json_values),
              "text": st.one_of(words, json_values), "ts": st.one_of(st.text(max_size=20), json_values),
              "subtype": st.one_of(st.sampled_from(["message_changed", "file_share", "bot_message"]), json_values),
              "channel_type": st.one_of(st.sampled_from(["im", "channel"]), json_values),
              "message": json_values, "files": json_values, "tab": json_values})
event_callback = st.fixed_dictionaries(
    {"type": st.sampled_from(["event_callback", "url_verification", "app_rate_limited"]), "event": event},
    optional={"team_id": st.one_of(st.just("T0FAKE"), json_values), "api_app_id": json_values,
              "event_id": json_values, "event_time": json_values, "challenge": json_values,
              "authorizations": json_values})
interaction = st.fixed_dictionaries(
    {"type": st.one_of(st.sampled_from(["block_actions", "view_submission", "shortcut", "message_action",
                                        "block_suggestion", "view_closed"]), json_values)},
    optional={"user": st.one_of(st.fixed_dictionaries({"id": st.sampled_from(["U0SUE", "U0ANNA"])}), json_values),
              "team": json_values, "actions": st.lists(st.fixed_dictionaries(
                  {"action_id": st.one_of(st.text(max_size=20), json_values)},
                  optional={"value": st.one_of(st.text(max_size=80), json_values), "block_id": json_values}),
                  max_size=2),
              "view": json_values, "trigger_id": json_values, "callback_id": json_values,
              "channel": json_values, "container": json_values})
command = st.fixed_dictionaries(
    {"command": st.one_of(st.just("/familyteam"), st.text(max_size=20)), "text": words},
    optional={"user_id": st.sampled_from(["U0SUE", "U0ANNA", "", "U\u00e9"]), "channel_id": st.text(max_size=12),
              "team_id": st.text(max_size=12), "trigger_id": st.text(max_size=12)})
slack_body = st.one_of(
    event_callback.map(lambda e: (json.dumps(e).encode(), b"application/json")),
    interaction.map(lambda p: (urllib.parse.urlencode({"payload": json.dumps(p)}).encode(),
                               b"application/x-www-form-urlencoded")),
    command.map(lambda c: (urllib.parse.urlencode(c).encode(), b"application/x-www-form-urlencoded")),
    st.tuples(st.binary(max_size=200), content_types),
    st.tuples(json_values.map(lambda v: json.dumps(v).encode()), content_types))


# --- the raw HTTP client ---------------------------------------------------------------------------------

async def post(url: str, body: bytes, headers: list[tuple[bytes, bytes]]) -> int:
    """POST the bytes as they are, headers included (an HTTP client would refuse or re-encode a header that
    is not ASCII): the HTTP status the server answers."""
    parts = urllib.parse.urlsplit(url)
    assert parts.hostname and parts.port
    head = (f"POST {parts.path} HTTP/1.1\r\nHost: {parts.hostname}:{parts.port}\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n").encode()
    head += b"".join(name + b": " + value + b"\r\n" for name, value in headers)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    try:
        writer.write(head + b"\r\n" + body)
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), WAIT)
    finally:
        writer.close()
    return int(status_line.split()[1])


def slack_headers(body: bytes, content_type: bytes, *, secret: str = SIGNING_SECRET, age: int = 0,
                  signature: bytes | None = None) -> list[tuple[bytes, bytes]]:
    """Signed as Slack signs: HMAC-SHA256 over v0:TIMESTAMP:BODY (the body's bytes as sent)."""
    ts = str(int(time.time()) - age).encode()
    good = b"v0=" + hmac.new(secret.encode(), b"v0:" + ts + b":" + body, hashlib.sha256).hexdigest().encode()
    return [(b"Content-Type", content_type), (b"X-Slack-Request-Timestamp", ts),
            (b"X-Slack-Signature", good if signature is None else signature)]


def webhook_url(r: Replay) -> str:
    return str(r.app.settings.telegram_webhook_url)


# --- the tests -------------------------------------------------------------------------------------------

@FUZZ
@given(body=telegram_body, content_type=content_types, right=st.booleans(), wrong=wrong_secrets)
async def test_telegram_webhook_never_answers_5xx(replay: Replay, body: bytes, content_type: bytes,  # noqa: F811
                                                  right: bool, wrong: bytes | None) -> None:
    if not replay.seen and not replay.app.call(lambda ctx: ctx.s.scalar(_any_member())):
        await _network(replay)  # once: Gran on Telegram and Sue on Slack have joined, so updates reach them
    headers = [(b"Content-Type", content_type)]
    secret = TELEGRAM_SECRET if right else wrong
    if secret is not None:
        headers.append((b"X-Telegram-Bot-Api-Secret-Token", secret))
    status = await post(webhook_url(replay), body, headers)
    if right:
        assert status < 500, (status, body)
    else:
        assert status == 403, (status, secret)



@FUZZ
@given(sent=slack_body, forged=st.sampled_from(["right", "wrong_secret", "stale", "missing", "garbage"]),
       garbage=header_bytes)
async def test_slack_events_never_answer_5xx(replay: Replay, sent: tuple[bytes, bytes], forged: str,  # noqa: F811
                                             garbage: bytes) -> None:
    body, content_type = sent
    if forged == "right":
        status = await post(replay.slack_url, body, slack_headers(body, content_type))
        assert status < 500, (status, body, content_type)
        return
    if forged == "missing":
        headers = [(b"Content-Type", content_type)]
    elif forged == "garbage":
        headers = slack_headers(body, content_type, signature=garbage)
    else:
        headers = slack_headers(body, content_type, secret="not-the-secret" if forged == "wrong_secret" else
                                SIGNING_SECRET, age=3600 if forged == "stale" else 0)
    status = await post(replay.slack_url, body, headers)
    assert status == 401, (status, forged, body)


def _any_member() -> Any:
    from sqlalchemy import select

    from storage.models import Membership

    return select(Membership.id).limit(1)
