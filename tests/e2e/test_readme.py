"""The README's "Using it" steps run as written, in order, against a temporary SQLite database, through
`bot.cli.main` in this process (a subprocess per step would cost a second each). Only the long-running
commands are skipped, each with its reason. The clock is fixed at Monday 30 Nov 2026, 08:00 UTC, so the
README's dates stay in the future whenever the test runs."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest

from bot.cli import main
from bot.clock import ManualClock
from bot.testing import MONDAY

ROOT = Path(__file__).resolve().parents[2]
LONG_RUNNING = {
    "run": "serves until stopped (tests/e2e/test_runtime.py runs it)",
    "console": "reads a member's lines from the terminal (tests/e2e/test_cli.py runs two sessions)",
    "demo": "a simulated week of its own (tests/e2e/test_demo.py runs it)",
}


def using_it_blocks(readme: str) -> list[str]:
    """The ```bash blocks of the README's "Using it" section."""
    section = readme.split("\n## Using it", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.*?)```", section, flags=re.S)


def steps(block: str) -> list[list[str]]:
    """Each command of a block as argv: lines joined at a trailing backslash, comments dropped, `;` splits."""
    out: list[list[str]] = []
    for line in block.replace("\\\n", " ").splitlines():
        argv: list[str] = []
        for word in shlex.split(line, comments=True):
            if word == ";":
                out.append(argv)
                argv = []
            else:
                argv.append(word)
        if argv:
            out.append(argv)
    return [argv for argv in out if argv]


def run_step(argv: list[str], cwd: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    target = None
    if ">" in argv:  # `familyteam export --family 1 > rowan-record.json`
        at = argv.index(">")
        argv, target = argv[:at], argv[at + 1]
    capsys.readouterr()
    code = main(argv[1:])
    out, err = capsys.readouterr()
    if target is not None:
        (cwd / target).write_text(out, encoding="utf-8")
    return code, out, err


def test_the_using_it_steps_run_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)  # the README's relative paths, and no stray .env
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'readme.db'}")
    monkeypatch.setenv("FAMILYTEAM_SECRET", "readme-test-secret")
    for name in ("TELEGRAM_BOT_TOKEN", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "FAMILYTEAM_DUTY"):
        monkeypatch.delenv(name, raising=False)
    clock = ManualClock(MONDAY)
    monkeypatch.setattr("bot.bootstrap.SystemClock", lambda: clock)
    blocks = using_it_blocks((ROOT / "README.md").read_text(encoding="utf-8"))
    assert blocks, "the README has a ```bash block under \"Using it\""
    ran, skipped = [], []
    for argv in (a for block in blocks for a in steps(block)):
        assert argv[0] == "familyteam", f"not a familyteam command: {shlex.join(argv)}"
        if argv[1] in LONG_RUNNING:
            skipped.append((argv[1], LONG_RUNNING[argv[1]]))
            continue
        code, out, err = run_step(argv, tmp_path, capsys)
        assert code == 0, f"`{shlex.join(argv)}` failed (exit {code}):\n{err}{out}"
        assert "Traceback" not in out + err
        ran.append((argv, out))
    assert len(ran) >= 20, [shlex.join(a) for a, _ in ran]
    assert sorted(name for name, _ in skipped) == ["console", "run"]
    said = {shlex.join(argv[:3]): out for argv, out in ran}
    assert "id 1" in said["familyteam family create"]
    assert "plan version 1" in said["familyteam status --family"] and "vNone" not in said["familyteam status --family"]
    assert (tmp_path / "rowan-record.json").read_text(encoding="utf-8").lstrip().startswith("{")
