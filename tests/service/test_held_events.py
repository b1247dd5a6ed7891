"""A member writes while the database is down (Slack and Telegram's polling have already been told the event
arrived): the words are held in an encrypted file, not lost, and handled once the database is back; a worry
among them still reaches the caseworker then, once (bot/conversation/holding.py, storage/held.py)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from bot.ports import Inbound, InboundKind
from storage.models import ConversationMessage
from tests.service.test_engine_cost import CALLS
from tests.support.harness import Harness

SEVEN_PM = datetime(2026, 11, 30, 19, 0, tzinfo=UTC)


@pytest.fixture
def held(sqlite_url: str, tmp_path: Path) -> Iterator[Harness]:
    world = Harness(sqlite_url, FAMILYTEAM_HELD_DIR=str(tmp_path / "held"))
    world.app.router.retry_delays = ()  # the router's own retries (0.5 + 1 + 2 + 4 s) are tested elsewhere
    yield world
    world.close()


def _kept(h: Harness) -> list[str]:
    """The family's record of what its people wrote, in order."""
    return h.call(lambda ctx: list(ctx.s.scalars(select(ConversationMessage.text).order_by(ConversationMessage.id))))


async def _said_while_down(h: Harness, monkeypatch: pytest.MonkeyPatch, chat: str, *texts: str) -> None:
    """`chat` writes each text while the database is down: each is held."""
    with monkeypatch.context() as m:
        _database_down(h, m)
        for text in texts:
            await h.say(chat, text)


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
    await h.send(press)  # the platform delivered it again once the database was back: it queues behind the first
    assert await h.app.holding.release() == 2, "both handled, the second as a duplicate"
    assert len(h.escalations()) == 1
    await h.send(press)  # nothing held any more: straight through, a duplicate again
    assert len(h.escalations()) == 1 and not h.app.holding.behind


async def test_held_events_go_in_order_and_one_that_cannot_be_read_is_set_aside(
        held: Harness, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    h = held
    await h.network()
    await _said_while_down(h, monkeypatch, "gran", "Walked them to school, all fine", "and picked them up again")
    first = sorted((tmp_path / "held").iterdir())[0]
    (tmp_path / "held" / ("0" + first.name)).write_bytes(b"not a held event")  # sorts first
    assert await h.app.holding.release() == 2
    kept = _kept(h)
    assert kept[-2:] == ["Walked them to school, all fine", "and picked them up again"]
    assert h.app.holding.held is not None
    assert [p.suffix for p in h.app.holding.held.failed()] == [".failed"], "kept for the operator, not retried"


async def test_an_answer_held_while_the_database_was_down_counts_as_given_in_time(
        held: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    """Sue presses Done at 19:05 (grace until 20:00) while the database is down; it is back at 20:10. Her
    answer is recorded at 19:05, on time, before the engine looks for missed check-ins: no "late", no nudge,
    no escalation."""
    h = held
    await h.network(CALLS)
    await h.advance_to(SEVEN_PM)
    question = next(t for t in h.texts("sue") if t.startswith("Check-in for"))
    h.clock.set(SEVEN_PM + timedelta(minutes=5))
    with monkeypatch.context() as m:
        _database_down(h, m)
        await h.press("sue", "Done")
    h.clock.set(SEVEN_PM + timedelta(minutes=70))  # 20:10: back, and the grace ran out meanwhile
    await h.tick()  # the scheduler's pass: held events first, then the sweeps
    (checkin,) = [c for c in h.checkins() if c.due_at == SEVEN_PM]
    assert checkin.state == "done" and checkin.late is False
    assert any("Recorded: Done at Mon 30 Nov, 19:05. Thank you!" in t for t in h.texts("sue")), h.texts("sue")[-3:]
    assert not any("(late)" in t or "gentle reminder" in t for t in h.texts("sue")), question
    assert h.escalations() == []


async def test_while_events_are_held_new_ones_wait_behind_them_so_a_persons_words_keep_their_order(
        held: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    h = held
    await h.network()
    await _said_while_down(h, monkeypatch, "sue", "worried: the door was open all night")
    await h.say("sue", "all fine now, he has gone")  # the database is back, the first is still held
    assert h.app.holding.behind
    assert await h.app.holding.release() == 2
    kept = _kept(h)
    assert kept[-2:] == ["worried: the door was open all night", "all fine now, he has gone"]
    assert not h.app.holding.behind


async def test_a_file_a_crash_left_before_its_rename_is_handled_once_it_is_a_minute_old(
        held: Harness, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    h = held
    await h.network()
    await _said_while_down(h, monkeypatch, "gran", "Walked them to school, all fine")
    (whole,) = list((tmp_path / "held").iterdir())
    part = whole.rename(whole.with_suffix(".part"))  # as if the process died between writing and renaming
    assert await h.app.holding.release() == 0, "a fresh .part may still be being written"
    old = part.stat().st_mtime - 120
    os.utime(part, (old, old))
    assert await h.app.holding.release() == 1
    kept = _kept(h)
    assert kept[-1] == "Walked them to school, all fine"


async def test_one_held_event_the_database_keeps_refusing_is_set_aside_and_the_rest_go_through(
        held: Harness, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The database is up, but one held event keeps failing as if it were not (a statement of its own timing
    out): after three tries it is set aside for the operator, and the events behind it are handled."""
    h = held
    await h.network()
    await _said_while_down(h, monkeypatch, "gran", "poison", "Walked them to school, all fine")
    handle_batch = h.app.router.handle_batch

    def refuse_one(s: Any, events: list[Inbound], now: Any = None) -> Any:
        if events[0].text == "poison":
            raise OperationalError("UPDATE", {}, Exception("canceling statement due to statement timeout"))
        return handle_batch(s, events, now)

    monkeypatch.setattr(h.app.router, "handle_batch", refuse_one)
    assert [await h.app.holding.release() for _ in range(3)] == [0, 0, 1]
    assert _kept(h)[-1] == "Walked them to school, all fine" and not h.app.holding.behind
    assert h.app.holding.held is not None and len(h.app.holding.held.failed()) == 1


async def test_a_failure_to_read_the_held_events_does_not_stop_the_engine(
        held: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    ticks: list[bool] = []

    async def broken() -> int:
        raise PermissionError("the held directory cannot be read")

    async def tick() -> None:
        ticks.append(True)

    monkeypatch.setattr(held.app.holding, "release", broken)
    monkeypatch.setattr(held.app.engine, "tick", tick)
    await held.app.sweep()
    assert ticks == [True]


async def test_a_file_held_by_the_first_form_is_handled(held: Harness, tmp_path: Path) -> None:
    """The first release wrote the event alone (no arrival time): it is handled as of when it was written."""
    h = held
    await h.network()
    assert h.app.holding.held is not None
    event = Inbound("console", "gran", InboundKind.TEXT, text="Picked them up, all fine", event_id="old-form-1")
    h.app.holding.held.hold(asdict(event), 1)
    assert await h.app.holding.release() == 1
    assert _kept(h)[-1] == "Picked them up, all fine"
