"""`familyteam` as the caseworker uses it: create a family, invite, apply the plan, status, export."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.bootstrap import use_data_keys
from bot.cli import main
from storage.db import Database
from storage.models import AuditEvent, Invite, PlanVersion
from tests.support.harness import PLAN

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "rowan-family.toml"


class Cli:
    def __init__(self, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
        self.capsys, self.tmp_path = capsys, tmp_path

    def run(self, *argv: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        code = main(list(argv))
        out, err = self.capsys.readouterr()
        return code, out, err

    def json(self, *argv: str) -> Any:
        code, out, err = self.run("--json", *argv)
        assert code == 0, err
        return json.loads(out)

    def file(self, name: str, text: str) -> str:
        path = self.tmp_path / name
        path.write_text(text, encoding="utf-8")
        return str(path)


@pytest.fixture
def bare_cli(capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """The CLI on a database that does not exist yet (its first command creates and migrates it)."""
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("FAMILYTEAM_SECRET", "cli-test-secret")
    for name in ("TELEGRAM_BOT_TOKEN", "SLACK_BOT_TOKEN", "FAMILYTEAM_INVITE_TTL_HOURS"):
        monkeypatch.delenv(name, raising=False)
    return Cli(capsys, tmp_path)


@pytest.fixture
def cli(bare_cli: Cli, tmp_path: Path, sqlite_template: Path) -> Cli:
    """The CLI on a database already migrated (a copy of the session's template: test_db_upgrade covers the
    migration itself, and running all of them again for every test would cost 0.2 s each)."""
    shutil.copy(sqlite_template, tmp_path / "cli.db")
    return bare_cli


def db(tmp_path: Path) -> Database:
    """The CLI's database, with its data keys (the generated one it keeps), to read encrypted columns."""
    database = Database(f"sqlite:///{tmp_path / 'cli.db'}")
    use_data_keys(database, [])
    return database


def make_family(cli: Cli) -> int:
    data = cli.json("family", "create", "--alias", "the Rowan family", "--timezone", "Europe/London",
                    "--caseworker", "console:anna")
    assert set(data) == {"family_id"}
    return int(data["family_id"])


def test_family_create_prints_the_id(cli: Cli) -> None:
    assert make_family(cli) == 1
    assert make_family(cli) == 2
    code, out, _ = cli.run("family", "create", "--alias", "the Birch family", "--timezone", "Europe/London",
                           "--caseworker", "console:bea")
    assert code == 0 and "id 3" in out


def test_json_flag_after_the_command_works_too(cli: Cli) -> None:
    code, out, _ = cli.run("family", "create", "--alias", "the Rowan family", "--timezone", "Europe/London",
                           "--caseworker", "console:anna", "--json")
    assert code == 0
    assert json.loads(out) == {"family_id": 1}


def test_bad_time_zone_is_exit_2_with_a_clear_message(cli: Cli, tmp_path: Path) -> None:
    code, out, err = cli.run("family", "create", "--alias", "the Rowan family", "--timezone", "Europe/Londn",
                             "--caseworker", "console:anna")
    assert code == 2
    assert out == ""
    assert "time zone" in err and "Europe/Londn" in err
    code, _, err = cli.run("--json", "family", "create", "--alias", "the Rowan family", "--timezone", "Mars/Base",
                           "--caseworker", "console:anna")
    assert code == 2
    assert json.loads(err)["error"] == "bad_timezone"
    # Nothing was created.
    assert make_family(cli) == 1


def test_bad_caseworker_address_is_exit_2(cli: Cli) -> None:
    code, _, err = cli.run("family", "create", "--alias", "the Rowan family", "--timezone", "Europe/London",
                           "--caseworker", "anna")
    assert code == 2 and "anna" in err


def test_invite_create_prints_a_code_and_no_link_without_a_token(cli: Cli, tmp_path: Path) -> None:
    fid = make_family(cli)
    data = cli.json("invite", "create", "--family", str(fid), "--name", "Gran", "--role", "key_safety_person")
    assert data["telegram_link"] is None
    code = data["code"]
    assert isinstance(code, str) and len(code) == 10 and code.isalnum() and code.isupper()
    assert isinstance(data["membership_id"], int)
    database = db(tmp_path)
    with database.session() as s:
        [invite] = s.scalars(select(Invite)).all()
        assert invite.code_hash != code and code not in invite.code_hash
    database.dispose()
    again = cli.json("invite", "create", "--family", str(fid), "--name", "Sue", "--role", "supporter", "--discreet")
    assert again["code"] != code
    database = db(tmp_path)
    with database.session() as s:
        assert [i.discreet for i in s.scalars(select(Invite).order_by(Invite.id))] == [False, True]
    database.dispose()


def test_staff_roles_are_not_offered_by_invite_create(cli: Cli) -> None:
    fid = make_family(cli)
    with pytest.raises(SystemExit) as info:
        cli.run("invite", "create", "--family", str(fid), "--name", "Bob", "--role", "caseworker")
    assert info.value.code == 2


def test_invite_for_a_missing_family_is_exit_2(cli: Cli) -> None:
    code, _, err = cli.run("invite", "create", "--family", "42", "--name", "Gran", "--role", "supporter")
    assert code == 2 and "42" in err


def test_plan_apply_then_reapply(cli: Cli, tmp_path: Path) -> None:
    fid = make_family(cli)
    for name in ("Gran", "Sue"):
        cli.json("invite", "create", "--family", str(fid), "--name", name, "--role", "key_safety_person")
    path = cli.file("plan.toml", PLAN)
    data = cli.json("plan", "apply", "--family", str(fid), path, "--reason", "first plan")
    assert data["changed"] is True and data["version"] == 1
    assert data["told"] == [], "nobody has joined yet"
    assert sorted(data["uncovered"]) == ["evening-call", "school-run"]
    again = cli.json("plan", "apply", "--family", str(fid), path, "--reason", "again")
    assert again["changed"] is False and again["version"] == 1
    code, out, _ = cli.run("plan", "apply", "--family", str(fid), path)
    assert code == 0 and "No change" in out
    changed = cli.file("plan2.toml", PLAN.replace('grace = "45m"', 'grace = "1h"'))
    assert cli.json("plan", "apply", "--family", str(fid), changed, "--reason", "more time")["version"] == 2
    database = db(tmp_path)
    with database.session() as s:
        rows = s.scalars(select(PlanVersion).order_by(PlanVersion.number)).all()
        assert [(v.number, v.reason) for v in rows] == [(1, "first plan"), (2, "more time")]
        assert all(v.author.startswith("cli:") for v in rows)
    database.dispose()


def test_the_shipped_example_applies(cli: Cli) -> None:
    fid = make_family(cli)
    for name, role in (("Gran", "key_safety_person"), ("Aunt Sue", "key_safety_person"), ("Tom", "supporter"),
                       ("Ms Patel", "supporter")):
        cli.json("invite", "create", "--family", str(fid), "--name", name, "--role", role)
    data = cli.json("plan", "apply", "--family", str(fid), str(EXAMPLE), "--reason", "first plan")
    assert data["changed"] is True and data["version"] == 1


def test_a_bad_plan_file_is_exit_2_naming_the_line(cli: Cli, tmp_path: Path) -> None:
    fid = make_family(cli)
    for name in ("Gran", "Sue"):
        cli.json("invite", "create", "--family", str(fid), "--name", name, "--role", "key_safety_person")
    bad = PLAN.replace("FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=15;BYMINUTE=30", "FREQ=SOMETIMES")
    line = next(n for n, text in enumerate(bad.splitlines(), 1) if "FREQ=SOMETIMES" in text)
    code, out, err = cli.run("plan", "apply", "--family", str(fid), cli.file("bad.toml", bad))
    assert code == 2
    assert out == ""
    assert f"line {line}" in err and "commitment[1].schedule" in err
    code, _, err = cli.run("--json", "plan", "apply", "--family", str(fid), cli.file("bad.toml", bad))
    assert code == 2
    payload = json.loads(err)
    assert payload["error"] == "bad_plan" and f"line {line}" in payload["message"]
    status = cli.json("status", "--family", str(fid))
    assert status["plan_version"] is None and status["commitments"] == []


def test_status_json(cli: Cli) -> None:
    fid = make_family(cli)
    cli.json("invite", "create", "--family", str(fid), "--name", "Gran", "--role", "key_safety_person")
    cli.json("invite", "create", "--family", str(fid), "--name", "Sue", "--role", "key_safety_person")
    cli.json("plan", "apply", "--family", str(fid), cli.file("plan.toml", PLAN))
    data = cli.json("status", "--family", str(fid))
    assert data["family"]["id"] == fid and data["family"]["alias"] == "the Rowan family"
    assert data["plan_version"] == 1
    assert {m["name"]: m["state"] for m in data["members"]}["Gran"] == "invited"
    assert {c["key"]: c["uncovered"] for c in data["commitments"]} == {"school-run": True, "evening-call": True}
    assert data["open_escalations"] == [] and data["upcoming_meetings"] == []
    code, out, _ = cli.run("status", "--family", str(fid))
    assert code == 0 and "UNCOVERED" in out and "the Rowan family" in out


def test_status_of_a_missing_family_is_exit_2(cli: Cli) -> None:
    code, _, err = cli.run("status", "--family", "7")
    assert code == 2 and "7" in err


def test_export_is_valid_json(cli: Cli) -> None:
    fid = make_family(cli)
    cli.json("invite", "create", "--family", str(fid), "--name", "Gran", "--role", "key_safety_person")
    cli.json("invite", "create", "--family", str(fid), "--name", "Sue", "--role", "key_safety_person")
    cli.json("plan", "apply", "--family", str(fid), cli.file("plan.toml", PLAN), "--reason", "first")
    code, out, _ = cli.run("export", "--family", str(fid))
    assert code == 0
    data = json.loads(out)
    assert data["family"]["alias"] == "the Rowan family"
    assert [v["reason"] for v in data["plan_versions"]] == ["first"]
    assert {"family.create", "invite.create", "plan.apply"} <= {a["action"] for a in data["audit"]}


def test_member_remove(cli: Cli) -> None:
    fid = make_family(cli)
    cli.json("invite", "create", "--family", str(fid), "--name", "Gran", "--role", "key_safety_person")
    cli.json("invite", "create", "--family", str(fid), "--name", "Sue", "--role", "key_safety_person")
    cli.json("plan", "apply", "--family", str(fid), cli.file("plan.toml", PLAN))
    data = cli.json("member", "remove", "--family", str(fid), "--name", "Sue")
    assert data == {"removed": "Sue", "uncovered": ["Call Mum at 7 and check everyone is settled"]}
    code, _, _ = cli.run("member", "remove", "--family", str(fid), "--name", "Sue")
    assert code == 2


def test_inviting_a_person_to_avoid_is_exit_2_and_audited(cli: Cli, tmp_path: Path) -> None:
    fid = make_family(cli)
    cli.json("plan", "apply", "--family", str(fid), cli.file("avoid.toml", 'people_to_avoid = ["Kevin"]\n'))
    code, out, err = cli.run("invite", "create", "--family", str(fid), "--name", "Kevin", "--role", "supporter")
    assert code == 2 and out == "" and "avoid" in err
    database = db(tmp_path)
    with database.session() as s:
        refused = s.scalars(select(AuditEvent).where(AuditEvent.outcome == "refused")).all()
        assert [(a.action, a.family_id) for a in refused] == [("invite.create", fid)]
        assert s.scalars(select(Invite)).all() == []
    database.dispose()


def test_db_upgrade(bare_cli: Cli, tmp_path: Path) -> None:
    cli = bare_cli
    assert not (tmp_path / "cli.db").exists()
    assert cli.json("db", "upgrade") == {"upgraded": True}
    assert (tmp_path / "cli.db").exists()
    assert make_family(cli) == 1
    assert cli.json("db", "upgrade") == {"upgraded": True}, "running it again is fine and keeps the data"
    assert cli.json("status", "--family", "1")["family"]["alias"] == "the Rowan family"


def test_bad_cli_input_is_a_clear_error_not_a_traceback(tmp_path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    from bot.cli import main

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    monkeypatch.setenv("FAMILYTEAM_SECRET", "x")
    assert main(["staff", "away", "--person", "console:anna", "--until", "tomorrow"]) == 2
    assert "not a date-time" in capsys.readouterr().err
    assert main(["family", "create", "--alias", "the Oak family", "--timezone", "Europe/London",
                 "--caseworker", "console:anna"]) == 0
    assert main(["plan", "apply", "--family", "1", str(tmp_path / "missing.toml")]) == 2
    assert "cannot read" in capsys.readouterr().err
    latin = tmp_path / "latin1.toml"
    latin.write_bytes("contingency = \"caf\xe9\"".encode("latin-1"))
    assert main(["plan", "apply", "--family", "1", str(latin)]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_console_sessions_in_a_row_each_work(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """`familyteam console`: a member joins in one session; a second session later is answered too (its
    lines are not mistaken for the first session's, which had the same line numbers)."""
    import io

    make_family(cli)
    code = cli.json("invite", "create", "--family", "1", "--name", "Gran", "--role", "key_safety_person")["code"]
    monkeypatch.setattr("sys.stdin", io.StringIO(f"/start {code}\n1\n"))
    status, out, _ = cli.run("console", "--as", "console:gran")
    assert status == 0 and "Do you agree?" in out and "Thank you for joining" in out
    monkeypatch.setattr("sys.stdin", io.StringIO("/help\n/mine\n"))
    status, out, _ = cli.run("console", "--as", "console:gran")
    assert status == 0 and "/stop" in out, "the second session's first line is answered"


async def test_escalation_ack_and_resolve_read_as_the_buttons_do(cli: Cli, tmp_path: Path) -> None:
    from tests.support.harness import Harness

    world = Harness(f"sqlite:///{tmp_path / 'cli.db'}")
    try:
        await world.network(PLAN)
        await world.say("sue", "worried: Mum sounded drunk on the phone")
        (esc,) = world.escalations()
    finally:
        world.close()
    assert cli.run("escalation", "ack", str(esc.id))[1].strip() == (
        "Thank you. You have acknowledged it; nobody else will be asked.")
    assert cli.run("escalation", "ack", str(esc.id))[1].strip() == "This was already handled."
    assert cli.run("escalation", "resolve", str(esc.id), "--note", "Visited")[1].strip() == (
        "Thank you. It is marked resolved.")


def test_work_days_and_emergency_numbers_as_people_write_them(cli: Cli, tmp_path: Path) -> None:
    from storage.models import Family

    cases = [("Mon-Fri", "0300 555 0100", "MO-FR"), ("mon,tue", "+44 300-555-0100", "MO,TU"),
             ("MO-FR", "(030) 555 0100", "MO-FR")]
    for days, number, stored in cases:
        fid = cli.json("family", "create", "--alias", "the Rowan family", "--timezone", "Europe/London",
                       "--caseworker", "console:anna", "--work-days", days, "--emergency-number", number)["family_id"]
        with db(tmp_path).session() as s:
            family = s.get_one(Family, fid)
            assert (family.work_days, family.emergency_number) == (stored, number)
    for option, value, reason in (("--work-days", "weekdays", "bad_hours"),
                                  ("--emergency-number", "call 999", "bad_emergency_number")):
        code, _, err = cli.run("--json", "family", "create", "--alias", "the Rowan family", "--timezone",
                               "Europe/London", "--caseworker", "console:anna", option, value)
        assert code == 2 and json.loads(err)["error"] == reason


def _options(parser: argparse.ArgumentParser, path: str = "familyteam") -> Iterator[tuple[str, argparse.Action]]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _options(sub, f"{path} {name}")
        else:
            yield path, action


def test_every_option_that_takes_a_value_has_help_with_an_example() -> None:
    from bot.cli import build_parser

    seen = 0
    for path, action in _options(build_parser()):
        if action.nargs == 0 or isinstance(action, argparse._HelpAction):
            assert action.help, f"{path} {action.option_strings}"  # flags say what they do
            continue
        seen += 1
        name = action.option_strings or [action.dest]
        assert action.help and action.help.strip(), f"{path} {name} has no help"
        assert "e.g." in action.help, f"{path} {name}: the help gives no example"
    assert seen >= 25, "the walk found the options"


def test_output_into_a_closed_pipe_ends_quietly(cli: Cli, tmp_path: Path) -> None:
    """`familyteam status --json | head -1`: the reader goes away; no traceback, exit 0."""
    fid = make_family(cli)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    for argv in (["status", "--json", "--family", str(fid)],):
        proc = subprocess.Popen([sys.executable, "-m", "bot.cli", *argv], cwd=tmp_path, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert proc.stdout is not None
        proc.stdout.close()  # before the command has written anything: every write finds no reader
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err.decode()
        assert b"Traceback" not in err and b"BrokenPipe" not in err, err.decode()
