"""A database made by the previous release upgrades with `familyteam db upgrade` and keeps every row;
its outbox rows get their typed links, and the app runs on it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from bot.cli import main
from bot.domain.vocabulary import JobKind, OutboxPurpose
from storage.models import Checkin, Escalation, Family, OutboxMessage, PlanVersion, ScheduledJob
from tests.support.harness import Harness

FIXTURE = Path(__file__).parent / "fixtures" / "release-0001.db"
TABLES = ["families", "persons", "chat_identities", "memberships", "plan_versions", "commitments", "checkins",
          "checkin_answers", "escalations", "escalation_notices", "outbox", "audit_events"]


def _counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    with engine.connect() as conn:
        counts = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in TABLES}
    engine.dispose()
    return counts


def test_release_0001_database_upgrades_and_keeps_its_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "familyteam.db"
    shutil.copy(FIXTURE, path)
    url = f"sqlite:///{path}"
    before = _counts(url)
    assert before["families"] == 1 and before["escalations"] == 2 and before["checkins"] == 3

    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["db", "upgrade"]) == 0

    assert _counts(url) == before, "no row lost or added by the upgrade"
    h = Harness(url)
    try:
        assert h.call(lambda ctx: ctx.s.scalar(select(Family.alias))) == "the Rowan family"
        assert h.call(lambda ctx: ctx.s.scalar(select(func.max(PlanVersion.number)))) == 1
        alerts = h.call(lambda ctx: ctx.s.execute(
            select(OutboxMessage.escalation_id, OutboxMessage.escalation_step)
            .where(OutboxMessage.kind == OutboxPurpose.ESCALATION).order_by(OutboxMessage.id)).all())
        escalation_ids = [e.id for e in h.escalations()]
        assert [tuple(a) for a in alerts] == [(i, 0) for i in escalation_ids], "alerts linked to their escalation"
        nudges = h.call(lambda ctx: list(ctx.s.scalars(
            select(OutboxMessage.checkin_id).where(OutboxMessage.kind == OutboxPurpose.NUDGE))))
        checkin_ids = h.call(lambda ctx: set(ctx.s.scalars(select(Checkin.id))))
        assert nudges and set(nudges) <= checkin_ids, "nudges linked to their check-in"
        assert {e.state for e in h.call(lambda ctx: list(ctx.s.scalars(select(Escalation))))} == {"open"}
        jobs = h.call(lambda ctx: sorted(ctx.s.execute(select(ScheduledJob.kind, ScheduledJob.due_at)).all()))
        assert {kind for kind, _ in jobs} >= {JobKind.WEEKLY_THANKS, JobKind.DAILY_SUMMARY, JobKind.SCHEDULE_FILL}, \
            "the periodic jobs of the existing family, caseworker and commitments"
        assert all(at <= h.now for _, at in jobs), "due at once: the first tick settles each"
        h.app.engine.tick_sync()
        assert all(at > h.now for at in h.call(lambda ctx: list(ctx.s.scalars(select(ScheduledJob.due_at)))))
    finally:
        h.close()
