"""A fast bulk builder for scale benchmarks: families as plain multi-row INSERTs (COPY on PostgreSQL), not
through the use cases, on a database migrated to head.

Each family: a caseworker (one per 50 families), two members with a chat each, a plan version, two daily
commitments and `CHECKINS_PER_COMMITMENT` future check-ins of each (so 100,000 families hold 1,000,000),
and the jobs the use cases would have left: each commitment's schedule fill, the family's weekly thanks,
each caseworker's daily summary, all settled on their next moment. Every `families / asks`-th family also
has a check-in due at `ASK_AT`, so a tick at that moment asks exactly `asks` check-ins.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, inspect

from storage import crypto

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)  # Monday noon: nothing due
ASK_AT = NOW + timedelta(hours=1)  # the moment the chosen check-ins fall due
CHECKINS_PER_COMMITMENT = 5
FAMILIES_PER_CASEWORKER = 50
CHUNK = 5_000  # families written per round, so the builder's memory stays small
SUNDAY_18 = datetime(2026, 12, 6, 18, 0, tzinfo=UTC)
TOMORROW_0830 = datetime(2026, 12, 1, 8, 30, tzinfo=UTC)

COLUMNS = {
    "families": ("id", "alias", "timezone", "language", "work_start", "work_end", "work_days", "emergency_number",
                 "ack_timeout_minutes", "created_at"),
    "persons": ("id", "display_name", "quiet_start", "quiet_end", "discreet", "summary_time", "created_at"),
    "chat_identities": ("id", "person_id", "platform", "external_id", "created_at"),
    "memberships": ("id", "family_id", "person_id", "name", "role", "state", "consent_at", "created_at"),
    "plan_versions": ("id", "family_id", "number", "content", "content_hash", "author", "reason", "created_at"),
    "commitments": ("id", "family_id", "key", "owner_membership_id", "text", "question", "rrule", "grace_minutes",
                    "active", "scheduled_until", "plan_version_id"),
    "checkins": ("id", "commitment_id", "family_id", "due_at", "grace_ends_at", "state", "late"),
    "scheduled_jobs": ("kind", "subject_id", "due_at"),
}


class Writer:
    """Rows into tables: executemany on SQLite (times as SQLAlchemy stores them), COPY on PostgreSQL."""

    def __init__(self, engine: Engine) -> None:
        self.engine, self.postgres = engine, engine.dialect.name == "postgresql"
        # An older version (to compare with) has no scheduled_jobs: its rows are left out.
        self.tables = [t for t in COLUMNS if inspect(engine).has_table(t)]

    def value(self, v: Any) -> Any:
        if isinstance(v, datetime) and not self.postgres:
            return v.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        return v

    def write(self, tables: dict[str, list[tuple[Any, ...]]]) -> None:
        raw: Any = self.engine.raw_connection()
        try:
            cur = raw.cursor()
            for table in self.tables:
                rows, cols = tables[table], COLUMNS[table]
                if self.postgres:
                    with cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
                else:
                    marks = ", ".join("?" * len(cols))
                    cur.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})",
                                    [tuple(self.value(v) for v in row) for row in rows])
            raw.commit()
        finally:
            raw.close()


def _sealed(engine: Engine) -> dict[str, str]:
    """The people's and plans' texts as the schema stores them: encrypted with the database's data key from
    revision 0008 on (the key is made and stored here, where the app will find it), plain before."""
    texts = {"text": "Do the thing", "question": "Did you do the thing?", "reason": "", "content": "{}"}
    with engine.begin() as conn:
        revision = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() or "0"
        if int(revision) < 8:
            return texts
        keys = crypto.cipher([crypto.stored_key(conn, create=True) or ""])
    sealed = {name: crypto.encrypt(value, keys) for name, value in texts.items()}
    sealed["content"] = json.dumps(sealed["content"])  # a JSON column holding the token as a JSON string
    return sealed


def _chunk(first: int, last: int, asks_every: int, sealed: dict[str, str]) -> dict[str, list[tuple[Any, ...]]]:
    """The rows of families first..last-1 (ids are 1-based and derived from the family number)."""
    t: dict[str, list[tuple[Any, ...]]] = {name: [] for name in COLUMNS}
    for i in range(first, last):
        fid, m1, m2 = i + 1, 3 * i + 1, 3 * i + 2
        cw = i // FAMILIES_PER_CASEWORKER + 1  # the caseworker's person id (members' ids start at 10,000,000)
        p1, p2 = 10_000_000 + 2 * i, 10_000_001 + 2 * i
        t["families"].append((fid, f"family {i}", "Europe/London", "en", "09:00", "17:00", "MO,TU,WE,TH,FR", "999",
                              30, NOW))
        if i % FAMILIES_PER_CASEWORKER == 0:
            t["persons"].append((cw, f"caseworker {cw}", "21:00", "08:00", False, "08:30", NOW))
            t["chat_identities"].append((cw, cw, "console", f"cw{cw}", NOW))
            t["scheduled_jobs"].append(("daily_summary", cw, TOMORROW_0830))
        for p in (p1, p2):
            t["persons"].append((p, f"member {p}", "21:00", "08:00", False, "08:30", NOW))
            t["chat_identities"].append((p, p, "console", f"m{p}", NOW))
        t["memberships"] += [(3 * i + 3, fid, cw, f"cw {cw}", "caseworker", "active", NOW, NOW),
                             (m1, fid, p1, "Gran", "key_safety_person", "active", NOW, NOW),
                             (m2, fid, p2, "Sue", "supporter", "active", NOW, NOW)]
        t["plan_versions"].append((fid, fid, 1, sealed["content"], "x" * 64, "bench", sealed["reason"], NOW))
        t["scheduled_jobs"].append(("weekly_thanks", fid, SUNDAY_18))
        for k, (member, hour) in enumerate(((m1, 15), (m2, 19))):
            cid = 2 * i + k + 1
            until = NOW + timedelta(days=CHECKINS_PER_COMMITMENT)
            t["commitments"].append((cid, fid, f"c{k}", member, sealed["text"], sealed["question"],
                                     f"FREQ=DAILY;BYHOUR={hour};BYMINUTE={i % 60}", 60, True, until, fid))
            t["scheduled_jobs"].append(("schedule_fill", cid, until - timedelta(hours=24)))
            for day in range(1, CHECKINS_PER_COMMITMENT + 1):
                due = (NOW + timedelta(days=day)).replace(hour=hour, minute=i % 60)
                t["checkins"].append((cid * 100 + day, cid, fid, due, due + timedelta(hours=1), "pending", False))
            if k == 0 and i % asks_every == 0:
                t["checkins"].append((cid * 100, cid, fid, ASK_AT, ASK_AT + timedelta(hours=1), "pending", False))
    return t


def build(engine: Engine, families: int, asks: int) -> None:
    writer = Writer(engine)
    asks_every, sealed = max(1, families // asks), _sealed(engine)
    for first in range(0, families, CHUNK):
        writer.write(_chunk(first, min(families, first + CHUNK), asks_every, sealed))
    if writer.postgres:
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
            for table in writer.tables:  # the sequences continue after the bulk ids
                conn.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                     f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)")
    else:
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")


def counts(engine: Engine, tables: Sequence[str] = ("families", "checkins")) -> dict[str, int]:
    with engine.connect() as conn:
        return {t: conn.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar_one() for t in tables}
