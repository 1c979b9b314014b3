"""Singleton jobs: a job runs once per schedule slot (`backup` once on 2026-11-23), however
many workers fire it.

A slot is claimed by inserting its `job_runs` row; the primary key (job, slot) makes the
second worker's INSERT fail, so it skips the slot. Why a row per slot and not a PostgreSQL
advisory lock: a lock only keeps two runs from overlapping, so a worker whose timer fires a
minute after another worker finished would run the job again; the row remembers that the
slot was done. It also works on SQLite and leaves a visible history of runs.

A running claim is a lease (`lease_until`, renewed by the runner's heartbeat): if its worker
dies, another worker takes the slot over once the lease has run out. A failed run keeps the
slot open and is tried again after `RETRY_FAILED_AFTER`."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.models import JobRun, utcnow

RUNNING = "running"
DONE = "done"
FAILED = "failed"
RETRY_FAILED_AFTER = timedelta(minutes=30)
DETAIL_MAX = 4000


def hourly_slot(now: datetime) -> str:
    return now.strftime("%Y-%m-%dT%H")


def daily_slot(now: datetime, hour: int = 0) -> str | None:
    """Today's slot once the clock (UTC) has passed `hour`; before that, nothing is due."""
    return now.date().isoformat() if now.hour >= hour else None


def claim(session: Session, job: str, slot: str, holder: str, lease: timedelta, now: datetime | None = None) -> bool:
    """True when this worker should run `job` for `slot` now: nobody has, or the last claim
    died (lease over) or failed (retry time reached)."""
    now = now or utcnow()
    taken = session.execute(
        update(JobRun)
        .where(JobRun.job == job, JobRun.slot == slot, JobRun.state != DONE, JobRun.lease_until < now)
        .values(holder=holder, state=RUNNING, attempts=JobRun.attempts + 1, started_at=now,
                lease_until=now + lease, finished_at=None)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount == 1:  # type: ignore[attr-defined]
        return True
    try:
        with session.begin_nested():
            session.add(JobRun(job=job, slot=slot, holder=holder, state=RUNNING, attempts=1, started_at=now,
                               lease_until=now + lease, detail=""))
    except IntegrityError:
        return False
    return True


def renew(session: Session, job: str, slot: str, holder: str, lease: timedelta) -> bool:
    """The heartbeat of a running claim; False if it was taken over meanwhile."""
    renewed = session.execute(
        update(JobRun)
        .where(JobRun.job == job, JobRun.slot == slot, JobRun.holder == holder, JobRun.state == RUNNING)
        .values(lease_until=utcnow() + lease)
        .execution_options(synchronize_session=False)
    )
    return renewed.rowcount == 1  # type: ignore[attr-defined]


def finish(session: Session, job: str, slot: str, holder: str, detail: str) -> None:
    _close(session, job, slot, holder, DONE, detail, utcnow())


def fail(session: Session, job: str, slot: str, holder: str, error: str) -> None:
    """Record the error; the slot is tried again after RETRY_FAILED_AFTER."""
    _close(session, job, slot, holder, FAILED, error, utcnow() + RETRY_FAILED_AFTER)


def _close(session: Session, job: str, slot: str, holder: str, state: str, detail: str, lease_until: datetime) -> None:
    session.execute(
        update(JobRun)
        .where(JobRun.job == job, JobRun.slot == slot, JobRun.holder == holder)
        .values(state=state, detail=detail[:DETAIL_MAX], finished_at=utcnow(), lease_until=lease_until)
        .execution_options(synchronize_session=False)
    )


def recent_runs(session: Session, job: str | None = None, limit: int = 20) -> list[JobRun]:
    query = select(JobRun).order_by(JobRun.started_at.desc()).limit(limit)
    if job is not None:
        query = query.where(JobRun.job == job)
    return list(session.scalars(query))
