"""The operator's day through `familyteam`: escalations listed with their age and holder and shown with their
steps, invites listed and revoked, meetings added, listed and cancelled, and `status` in words."""

from __future__ import annotations

import json
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot.clock import ManualClock
from storage.models import AuditEvent, ChatIdentity, OutboxMessage
from tests.e2e.test_cli import Cli, db, make_family
from tests.support.harness import PLAN, Harness

MEETING_AT = "2026-12-10 14:00"


@pytest.fixture(name="cli")
def cli_fixture(capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                sqlite_template: Path) -> Cli:
    """As tests/e2e/test_cli.py's: a temporary database (migrated: a copy of the template), no tokens, no
    stray .env."""
    shutil.copy(sqlite_template, tmp_path / "cli.db")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("FAMILYTEAM_SECRET", "cli-test-secret")
    for name in ("TELEGRAM_BOT_TOKEN", "SLACK_BOT_TOKEN", "FAMILYTEAM_INVITE_TTL_HOURS"):
        monkeypatch.delenv(name, raising=False)
    return Cli(capsys, tmp_path)


def cli_clock(monkeypatch: pytest.MonkeyPatch, clock: ManualClock) -> None:
    """The CLI's app reads this clock instead of the system's (the world's events happened at its times)."""
    monkeypatch.setattr("bot.bootstrap.SystemClock", lambda: clock)


async def test_escalations_listed_shown_acknowledged_in_words(cli: Cli, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    world = Harness(f"sqlite:///{tmp_path / 'cli.db'}")
    try:
        fid = await world.network(PLAN, supervisor="slack:U0SUPER")
        await world.advance(timedelta(hours=2))  # 10:00: in working hours, the caseworker is told first
        await world.say("sue", "worried: Mum sounded drunk on the phone")
        (esc,) = world.escalations()
        clock = ManualClock(world.now + timedelta(minutes=47))
    finally:
        world.close()
    cli_clock(monkeypatch, clock)
    code, out, _ = cli.run("escalation", "list")
    assert code == 0
    assert out.strip() == f"#{esc.id} the Rowan family: worried (Sue), open 47 min, with Anna (caseworker), " \
                          "not acknowledged"
    [listed] = cli.json("escalation", "list", "--family", str(fid))
    assert (listed["id"], listed["age_minutes"], listed["holder"], listed["member"]) == (esc.id, 47, "Anna", "Sue")
    code, out, _ = cli.run("escalation", "show", str(esc.id))
    assert code == 0 and "1. Anna (caseworker) told" in out and "not acknowledged" in out

    status = cli.json("status", "--family", str(fid))
    assert status["open_escalations"][0]["holder"] == "Anna" and status["open_escalations"][0]["age_minutes"] == 47
    assert {s["role"]: s["name"] for s in status["staff"]}["caseworker"] == "Anna"
    assert [(u["name"], u["why"]) for u in status["unreachable"]] == [("U0SUPER", "platform_off")]
    _, text, _ = cli.run("status", "--family", str(fid))
    assert "plan version 1, review by 2027-02-26" in text and "vNone" not in text
    assert "Caseworker: Anna" in text and "Supervisor: slack:U0SUPER (no name given)" in text
    assert "#1 worried (Sue), open 47 min, with Anna (caseworker)" in text.replace(f"#{esc.id}", "#1")
    assert "U0SUPER (Supervisor): on slack, which is off here (no token set)" in text

    assert cli.run("escalation", "ack", str(esc.id))[0] == 0
    _, out, _ = cli.run("escalation", "list")
    assert "acknowledged by" in out
    cli.run("escalation", "resolve", str(esc.id), "--note", "Visited, all safe")
    assert cli.run("escalation", "list")[1].strip() == "No open escalations."
    shown = cli.json("escalation", "show", str(esc.id))
    assert shown["state"] == "resolved" and shown["resolution_note"] == "Visited, all safe"
    assert [s["person"] for s in shown["steps"]] == ["Anna"]
    code, _, err = cli.run("escalation", "show", "999")
    assert code == 2 and "999" in err


async def test_meetings_added_listed_cancelled_and_status_in_words(cli: Cli, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    world = Harness(f"sqlite:///{tmp_path / 'cli.db'}")
    try:
        fid = await world.network(PLAN)
        world.invite(fid, "Ola", "supporter")  # invited, not joined yet
        clock = ManualClock(world.now)
    finally:
        world.close()
    cli_clock(monkeypatch, clock)
    added = cli.json("meeting", "add", "--family", str(fid), "--kind", "review", "--at", MEETING_AT,
                     "--place", "Family Centre", "--invite", "Gran", "--invite", "ola")
    mid = added["meeting_id"]
    assert added["starts_at"].startswith("2026-12-10 14:00")  # London is on UTC in December
    code, _, err = cli.run("meeting", "add", "--family", str(fid), "--kind", "review", "--at", "2026-12-11 10:00",
                           "--invite", "Kevin")
    assert code == 2 and "Kevin" in err
    code, _, err = cli.run("meeting", "add", "--family", str(fid), "--kind", "review", "--at", "10 Dec")
    assert code == 2 and "2026-12-04 10:00" in err
    _, out, _ = cli.run("meeting", "list", "--family", str(fid))
    assert out.splitlines() == [f"#{mid} Review meeting: Thu 10 Dec, 14:00 at Family Centre (outside the plan)",
                                "    coming: -; can't come: -; not answered: Gran, Ola"]
    _, text, _ = cli.run("status", "--family", str(fid))
    assert f"#{mid} Review meeting: Thu 10 Dec 2026 14:00 (Europe/London) at Family Centre" in text
    assert "Gran: key safety person, active" in text and "Ola: supporter, invited" in text
    assert "(caseworker)" not in text.split("Members:")[1].split("Commitments")[0], "staff are listed as staff"

    assert cli.json("meeting", "cancel", str(mid)) == {"meeting_id": mid, "changed": True}
    assert cli.json("meeting", "cancel", str(mid)) == {"meeting_id": mid, "changed": False}
    assert cli.run("meeting", "list", "--family", str(fid))[1].strip() == "No meetings to come."
    [gone] = cli.json("meeting", "list", "--family", str(fid), "--all")
    assert gone["cancelled"] is True and gone["from_plan"] is False
    database = db(tmp_path)
    with database.session() as s:
        kinds = set(s.scalars(select(OutboxMessage.kind).where(OutboxMessage.meeting_id == mid)))
        assert {"meeting_invite", "meeting_cancelled"} <= kinds, kinds
        actions = [a for a in s.scalars(select(AuditEvent.action).where(AuditEvent.subject == f"meeting:{mid}"))]
        assert actions == ["meeting.schedule", "meeting.cancel"]
        s.execute(update(ChatIdentity).where(ChatIdentity.external_id == "gran").values(blocked_at=clock.now()))
    database.dispose()
    unreachable = cli.json("status", "--family", str(fid))["unreachable"]
    assert [(u["name"], u["why"]) for u in unreachable] == [("Gran", "blocked")]
    assert "Gran (key safety person): has blocked the bot" in cli.run("status", "--family", str(fid))[1]


def test_invites_listed_and_revoked(cli: Cli, tmp_path: Path) -> None:
    fid = make_family(cli)
    gran = cli.json("invite", "create", "--family", str(fid), "--name", "Gran", "--role", "key_safety_person")
    cli.json("invite", "create", "--family", str(fid), "--name", "Ola", "--role", "supporter", "--language", "pl")
    listed = cli.json("invite", "list", "--family", str(fid))
    assert [(v["name"], v["state"], v["language"]) for v in listed] == [("Ola", "open", "pl"), ("Gran", "open", None)]
    assert gran["code"] not in json.dumps(listed), "codes are never shown again"
    assert cli.json("invite", "revoke", "--family", str(fid), "--name", "Ola") == {"name": "Ola", "closed": 1}
    assert [v["name"] for v in cli.json("invite", "list", "--family", str(fid))] == ["Gran"]
    _, out, _ = cli.run("invite", "list", "--family", str(fid), "--all")
    assert out.startswith("Ola (supporter): revoked") and "Gran (key safety person): open" in out
    code, _, err = cli.run("invite", "revoke", "--family", str(fid), "--name", "Nobody")
    assert code == 2 and "Nobody" in err
    database = db(tmp_path)
    with database.session() as s:
        assert s.scalar(select(AuditEvent.detail).where(AuditEvent.action == "invite.revoke")) == "1 closed"
    database.dispose()
    # Invited again later, they get a fresh code that works.
    assert cli.json("invite", "create", "--family", str(fid), "--name", "Ola", "--role", "supporter")["code"]
    assert [v["name"] for v in cli.json("invite", "list", "--family", str(fid))] == ["Ola", "Gran"]
