"""Every recorded shape (tests/fixtures) read by the real libraries and our parsers: python-telegram-bot's
Update.de_json then handlers/telegram/inbound.py; Slack event bodies through handlers/slack/inbound.py.
The fixtures themselves are checked too: each names its source, and PTB knows every field of each."""

from __future__ import annotations

import pytest
from telegram import Bot, TelegramObject, Update

from bot.ports import Inbound
from handlers.slack.inbound import Ignored as SlackIgnored
from handlers.slack.inbound import message_inbound
from handlers.telegram.inbound import Ignored, to_inbound
from tests.adapters.expected_shapes import SLACK, TELEGRAM, UNREADABLE, Seen, Skipped
from tests.support import fixtures
from tests.support.fake_telegram import BOT_USERNAME, TOKEN

MEMBER = 7001


def test_every_fixture_has_a_source_and_an_expectation() -> None:
    assert set(fixtures.names("telegram")) == set(TELEGRAM)
    assert set(fixtures.names("slack")) == set(SLACK)
    for platform in ("telegram", "slack"):
        for name in fixtures.names(platform):
            assert len(fixtures.source(platform, name)) > 30, (platform, name)


def _unknown_fields(obj: object, path: str = "update") -> list[str]:
    """Fields PTB did not recognise anywhere in the object tree (they land in api_kwargs)."""
    if not isinstance(obj, TelegramObject):
        return []
    found = [f"{path}.{k}" for k in obj.api_kwargs]
    for name in obj.__slots__ if hasattr(obj, "__slots__") else ():
        value = getattr(obj, name, None)
        for item in value if isinstance(value, tuple) else (value,):
            found += _unknown_fields(item, f"{path}.{name}")
    return found


def _seen(event: Inbound | Ignored | SlackIgnored) -> Seen | Skipped:
    if isinstance(event, Ignored | SlackIgnored):
        return Skipped(event.reason)
    return Seen(str(event.kind), event.text, event.edited, event.forwarded_from,
                str(event.media) if event.media else None, event.private)


@pytest.mark.parametrize("name", sorted(TELEGRAM))
def test_telegram_shape_becomes_the_expected_inbound(name: str) -> None:
    bot = Bot(TOKEN)
    raw = fixtures.telegram(name, MEMBER, 1)
    expected = TELEGRAM[name]
    if expected == UNREADABLE:
        with pytest.raises(TypeError):
            Update.de_json(raw, bot)
        return
    update = Update.de_json(raw, bot)
    assert _unknown_fields(update) == [], "a field PTB does not know: the fixture is not a real shape"
    event = to_inbound(update, BOT_USERNAME)
    assert _seen(event) == expected
    if isinstance(event, Inbound):
        assert event.external_id == str(MEMBER) and event.event_id == "1"


@pytest.mark.parametrize("name", sorted(n for n, e in SLACK.items() if n not in ("app_home_opened", "unknown_event")))
def test_slack_message_shape_becomes_the_expected_inbound(name: str) -> None:
    body = fixtures.slack(name, "U0SUE", "D0SUE", "Ev1")
    event = message_inbound(body["event"], "ev:Ev1")
    assert _seen(event) == SLACK[name]
    if isinstance(event, Inbound):
        assert event.external_id == "U0SUE" and event.event_id == "ev:Ev1"


def test_slack_channel_type_and_edits_by_others() -> None:
    body = fixtures.slack("message_im", "U0SUE", "D0SUE", "Ev1")["event"]
    assert isinstance(e := message_inbound({**body, "channel_type": "channel", "channel": "C1"}, "x"), Inbound)
    assert not e.private, "a message in a channel is not a direct message"
    old = {k: v for k, v in body.items() if k != "channel_type"}
    assert isinstance(e := message_inbound(old, "x"), Inbound) and e.private, "no channel_type: a D... channel is a DM"
    changed = fixtures.slack("message_changed", "U0SUE", "D0SUE", "Ev2")["event"]
    bot_edit = {**changed, "message": {**changed["message"], "bot_id": "B0BOT"}}
    assert message_inbound(bot_edit, "x") == SlackIgnored("bot"), "our own message updated: not a person's edit"


def test_telegram_forward_is_never_a_command_and_group_edits_are_ignored() -> None:
    bot = Bot(TOKEN)
    raw = fixtures.telegram("forward_user", MEMBER, 2)
    raw["message"]["text"] = "/stop"
    event = to_inbound(Update.de_json(raw, bot), BOT_USERNAME)
    assert isinstance(event, Inbound) and (event.kind, event.text) == ("text", "/stop")
    group = fixtures.telegram("supergroup_message", MEMBER, 3)
    group["message"]["text"] = f"/help@{BOT_USERNAME}"
    assert _seen(to_inbound(Update.de_json(group, bot), BOT_USERNAME)) == Seen(private=False)
    edit = {"update_id": 4, "edited_message": {**group["message"], "edit_date": 1717171799}}
    assert to_inbound(Update.de_json(edit, bot), BOT_USERNAME) == Ignored("group")
