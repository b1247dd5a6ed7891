"""Periodic jobs' "next due at" moments (the `scheduled_jobs` table), so the engine finds its work by index.

The table is a hint, never the truth: a job that runs works out from its inputs whether it has work and when
it next will. So a use case that changes a job's inputs (a caseworker assigned, a summary time, a meeting
moved, a commitment changed) only calls `touch`: the job is due now and settles itself on the next tick.
Moving a job on is conditional on the moment it was read with (`settle`), so a `touch` made while it ran
is never lost, and two instances running the same job move it on once."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from bot.domain.vocabulary import JobKind
from bot.services.context import Ctx
from storage.models import ScheduledJob

T = TypeVar("T")


def touch(ctx: Ctx, kind: JobKind, subject_ids: int | Iterable[int]) -> None:
    """These subjects' job is due now (its inputs changed): one statement, however many subjects."""
    ids = [subject_ids] if isinstance(subject_ids, int) else sorted(set(subject_ids))
    if not ids:
        return
    table: Any = ScheduledJob.__table__
    ins: Any = postgresql.insert(table) if ctx.s.get_bind().dialect.name == "postgresql" else sqlite.insert(table)
    stmt = ins.on_conflict_do_update(index_elements=["kind", "subject_id"], set_={"due_at": ins.excluded.due_at})
    ctx.s.execute(stmt, [{"kind": kind.value, "subject_id": i, "due_at": ctx.now} for i in ids])


BATCH_SECONDS = 0.25  # how long a batch of one subject at a time runs before it leaves the rest for later


def within(items: Iterable[T]) -> Iterator[T]:
    """The items one at a time until BATCH_SECONDS of real time have passed (the first always): a sweep's batch
    stays short however slow each subject is (a caseworker's summary of fifty families takes a tenth of a
    second), so the engine's next pass, and on SQLite the webhooks waiting to write, come soon. What is left
    stays due for the next batch."""
    end = time.monotonic() + BATCH_SECONDS
    for n, item in enumerate(items):
        if n and time.monotonic() >= end:
            return
        yield item


def due(ctx: Ctx, kind: JobKind, limit: int) -> list[tuple[int, datetime]]:
    """(subject id, the moment it was due) of this kind's jobs due now, the longest due first."""
    return [(sid, at) for sid, at in ctx.s.execute(
        select(ScheduledJob.subject_id, ScheduledJob.due_at)
        .where(ScheduledJob.kind == kind, ScheduledJob.due_at <= ctx.now)
        .order_by(ScheduledJob.due_at).limit(limit))]


def settle(ctx: Ctx, kind: JobKind, subject_id: int, was: datetime, next_at: datetime | None) -> None:
    """The job ran: it is next due at `next_at` (None: never again, until touched). Nothing changes if the
    job was touched (or moved on by another instance) since it was read as due at `was`."""
    match = (ScheduledJob.kind == kind, ScheduledJob.subject_id == subject_id, ScheduledJob.due_at == was)
    stmt: Any = delete(ScheduledJob).where(*match) if next_at is None else \
        update(ScheduledJob).where(*match).values(due_at=next_at)
    ctx.s.execute(stmt, execution_options={"synchronize_session": False})


def next_of(kind: JobKind) -> Select[Any]:
    """The earliest moment a job of this kind is due (for the engine's "when next"): one index lookup."""
    return (select(ScheduledJob.due_at).where(ScheduledJob.kind == kind)
            .order_by(ScheduledJob.due_at).limit(1))
