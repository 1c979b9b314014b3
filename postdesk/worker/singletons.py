"""The worker's singleton jobs: each runs once per slot across all workers (core/jobs.py).

| job | slot | setting |
| --- | --- | --- |
| auto_close | every hour | POSTDESK_AUTOCLOSE_DAYS (0: off) |
| backup | daily, after POSTDESK_BACKUP_HOUR (UTC) | POSTDESK_BACKUP_KEEP archives kept (0: off) |
| purge | daily, after POSTDESK_BACKUP_HOUR | POSTDESK_*_RETENTION_DAYS (all 0: off) |

Every worker looks every minute; the one that claims a slot runs it while a heartbeat thread
renews its claim, so a long backup is not taken over, and a worker killed mid-job is (once
its claim has run out)."""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from core import jobs
from core.autoclose import close_resolved
from core.backup import create_backup, prune_backups
from core.db import is_unavailable, unit_of_work
from core.models import utcnow
from core.retention import RetentionPolicy, purge
from core.runtime import Runtime

log = logging.getLogger(__name__)

CLAIM = timedelta(minutes=5)
"""A claim's lease; the heartbeat renews it every third of that while the job runs."""


@dataclass(frozen=True)
class SingletonJob:
    name: str
    slot: Callable[[datetime], str | None]
    """The slot due at this moment, or None when nothing is due yet."""
    run: Callable[[Runtime, str], str]
    """Do the work as `actor`; return a one-line summary for the job_runs row."""


def _auto_close(rt: Runtime, _actor: str) -> str:
    closed = close_resolved(functools.partial(unit_of_work, rt.sessions), timedelta(days=rt.settings.autoclose_days))
    return f"{len(closed)} resolved tickets closed" + (f": {closed[:50]}" if closed else "")


def _backup(rt: Runtime, actor: str) -> str:
    result = create_backup(rt, actor)
    removed = prune_backups(rt.settings.backup_dir, rt.settings.backup_keep)
    return f"{result.path.name}: {result.manifest.blobs} files; {len(removed)} old archives removed"


def _purge(rt: Runtime, actor: str) -> str:
    policy = RetentionPolicy.from_settings(rt.settings)
    return purge(functools.partial(unit_of_work, rt.sessions), rt.blobs, policy, actor).summary()


def singleton_jobs(rt: Runtime) -> list[SingletonJob]:
    """The jobs the settings switch on, backup before purge (a worker runs them in order)."""
    settings = rt.settings
    daily = functools.partial(jobs.daily_slot, hour=settings.backup_hour)
    wanted = [
        (settings.autoclose_days > 0, SingletonJob("auto_close", jobs.hourly_slot, _auto_close)),
        (settings.backup_keep > 0, SingletonJob("backup", daily, _backup)),
        (RetentionPolicy.from_settings(settings).enabled, SingletonJob("purge", daily, _purge)),
    ]
    return [job for enabled, job in wanted if enabled]


def run_due(rt: Runtime, holder: str, due_jobs: list[SingletonJob], now: datetime | None = None) -> list[str]:
    """Run every job whose current slot nobody has claimed; return the names of those run here."""
    now = now or utcnow()
    ran = []
    for job in due_jobs:
        slot = job.slot(now)
        if slot is None:
            continue
        with unit_of_work(rt.sessions) as session:
            claimed = jobs.claim(session, job.name, slot, holder, CLAIM, now)
        if claimed:
            _run_claimed(rt, holder, job, slot)
            ran.append(job.name)
    return ran


def _run_claimed(rt: Runtime, holder: str, job: SingletonJob, slot: str) -> None:
    log.info("job %s for %s: starting", job.name, slot)
    try:
        with _heartbeat(rt, holder, job.name, slot):
            summary = job.run(rt, holder)
    except Exception as error:
        if is_unavailable(error):
            raise
        log.exception("job %s for %s failed; it is tried again in %s", job.name, slot, jobs.RETRY_FAILED_AFTER)
        with unit_of_work(rt.sessions) as session:
            jobs.fail(session, job.name, slot, holder, f"{type(error).__name__}: {error}")
        return
    with unit_of_work(rt.sessions) as session:
        jobs.finish(session, job.name, slot, holder, summary)
    log.info("job %s for %s: %s", job.name, slot, summary)


@contextmanager
def _heartbeat(rt: Runtime, holder: str, job: str, slot: str) -> Iterator[None]:
    """Renew the claim every third of its lease until the block ends."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(CLAIM.total_seconds() / 3):
            try:
                with unit_of_work(rt.sessions) as session:
                    jobs.renew(session, job, slot, holder, CLAIM)
            except Exception:
                log.warning("job %s for %s: could not renew its claim", job, slot, exc_info=True)

    thread = threading.Thread(target=beat, name=f"heartbeat-{job}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
