"""A member writes while the database is down (Slack and Telegram's polling have already been told the event
arrived): the words are held in an encrypted file, not lost, and handled once the database is back; a worry
among them still reaches the caseworker then, once (bot/conversation/holding.py, storage/held.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from bot.ports import Inbound, InboundKind
from storage.models import ConversationMessage
from tests.support.harness import Harness


@pytest.fixture
def held(sqlite_url: str, tmp_path: Path) -> Iterator[Harness]:
    world = Harness(sqlite_url, FAMILYTEAM_HELD_DIR=str(tmp_path / "held"))
    world.app.router.retry_delays = ()  # the router's own retries (0.5 + 1 + 2 + 4 s) are tested elsewhere
    yield world
    world.close()


def _database_down(h: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every inbound transaction fails as a lost connection does (the rest of the app is left alone)."""
    def down(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("BEGIN", {}, Exception("could not connect to server"))

    monkeypatch.setattr(h.app.router, "handle_batch", down)


async def test_a_worry_written_while_the_database_is_down_reaches_the_caseworker_once_it_is_back(
        held: Harness, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    h = held
    await h.network()
    duty_before = len(h.texts("duty"))
    with monkeypatch.context() as m:
        _database_down(h, m)
        await h.say("sue", "I'm worried about the kids tonight")  # no error: the platform must not be told to stop
    files = sorted((tmp_path / "held").iterdir())
    assert len(files) == 1 and files[0].suffix == ".held"
    assert files[0].stat().st_mode & 0o077 == 0, "readable by the bot's user only"
    assert b"worried" not in files[0].read_bytes(), "a person's words are encrypted at rest, in a file too"
    assert h.escalations() == [], "nothing written while the database was down"

    assert await h.app.holding.release() == 1
    await h.app.dispatcher.dispatch_once()
    (esc,) = h.escalations()
    assert esc.words == "I'm worried about the kids tonight"
    # 08:00 on Monday is out of hours: the duty team has the alert, and Sue is told so.
    assert any("Their words: I'm worried about the kids tonight" in t for t in h.texts("duty")[duty_before:])
    assert "An urgent alert is being sent to the duty team now" in h.last("sue")
    assert list((tmp_path / "held").iterdir()) == [], "handled: the file is gone"
    assert await h.app.holding.release() == 0


async def test_a_held_event_redelivered_meanwhile_has_its_effect_once(
        held: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    h = held
    await h.network()
    press = Inbound("console", "sue", InboundKind.TEXT, text="worried: the door was open", event_id="slack-Ev1")
    with monkeypatch.context() as m:
        _database_down(h, m)
        await h.send(press)
    await h.send(press)  # the platform delivered it again once the database was back
    assert await h.app.holding.release() == 1, "handled, as a duplicate"
    assert len(h.escalations()) == 1


async def test_held_events_go_in_order_and_one_that_cannot_be_read_is_set_aside(
        held: Harness, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    h = held
    await h.network()
    with monkeypatch.context() as m:
        _database_down(h, m)
        await h.say("gran", "Walked them to school, all fine")
        await h.say("gran", "and picked them up again")
    first = sorted((tmp_path / "held").iterdir())[0]
    (tmp_path / "held" / ("0" + first.name)).write_bytes(b"not a held event")  # sorts first
    assert await h.app.holding.release() == 2
    kept = h.call(lambda ctx: list(ctx.s.scalars(select(ConversationMessage.text)
                                                 .order_by(ConversationMessage.id))))
    assert kept[-2:] == ["Walked them to school, all fine", "and picked them up again"]
    assert h.app.holding.held is not None
    assert [p.suffix for p in h.app.holding.held.failed()] == [".failed"], "kept for the operator, not retried"
