"""`familyteam demo` shows what the issue promises, through the real engine."""

from __future__ import annotations

from pathlib import Path

from bot.demo import _demo


async def test_demo_week_has_every_promised_moment(tmp_path: Path) -> None:
    week = await _demo(tmp_path / "demo.db")
    t = {who: "\n".join(lines) for who, lines in week.transcript.items()}
    assert "Do you agree?" in t["gran"] and "Gran pressed [I agree]" in t["gran"]
    assert "Check-in for the Rowan family" in t["sue"] and "Aunt Sue pressed [✅ Done]" in t["sue"]
    assert "A gentle reminder" in t["gran"] and "(late)" in t["gran"]
    assert "Bottom line needs attention" in t["anna"] and "Anna (caseworker) pressed [Acknowledge]" in t["anna"]
    assert "Late answer for the Rowan family: Tom" in t["anna"]
    assert "Resolved by Anna" in t["anna"]
    assert "Answered \"worried\"" in t["duty"], "a worried answer at 19:08 goes to duty (out of hours)"
    assert "Reminder: Family network meeting" in t["patel"] and "Tom pressed [Can't come]" in t["tom"]
    assert "Thank you for what you did for the Rowan family this week:" in t["gran"]
    assert "daily summary" in t["anna"]
    for member in ("gran", "sue", "tom", "patel"):
        assert "needs attention" not in t[member]
        assert "No drinking while caring" not in t[member]


def test_demo_cli_prints_each_conversation(capsys, monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from bot import demo

    async def fake_demo(_path: Path) -> demo.Week:
        class W:
            names = {w: w for w in ["gran", "sue", "tom", "patel", "anna", "sam", "duty"]}
            transcript = {"gran": ["Mon 07:00  bot: hello"]}
        return W()  # type: ignore[return-value]

    monkeypatch.setattr(demo, "_demo", fake_demo)
    demo.run_demo()
    out = capsys.readouterr().out
    assert "gran's conversation (1 entries)" in out and "Mon 07:00  bot: hello" in out
