"""The SLA job: every minute, warn of targets nearly used up and mark the ones run out
(core.sla.check). Any number of workers may run it at once: each clock row is claimed by one
of them (`FOR UPDATE SKIP LOCKED`), so every warning and breach goes out once."""

from __future__ import annotations

import logging
from datetime import datetime

from core.db import is_unavailable, unit_of_work
from core.models import utcnow
from core.runtime import Runtime
from core.sla.check import BATCH, CheckReport, check_clocks

log = logging.getLogger(__name__)
INTERVAL_SECONDS = 60


def check_sla(rt: Runtime, now: datetime | None = None, batch: int = BATCH) -> CheckReport:
    """Check every due clock as of `now` (the wall clock if None), `batch` rows a transaction."""
    moment = now or utcnow()
    total = CheckReport()
    while True:
        with unit_of_work(rt.sessions) as session:
            done = check_clocks(session, moment, batch)
        total += done
        if done.warned < batch and done.breached < batch:
            break
    if total.warned or total.breached:
        log.info("SLA check: %d warning(s), %d breach(es)", total.warned, total.breached)
    return total


def run_sla_checks(rt: Runtime) -> None:
    """The scheduled job: a database that is down only postpones the check to the next minute."""
    try:
        check_sla(rt)
    except Exception as error:
        if not is_unavailable(error):
            raise
        log.warning("SLA checks paused: the database is unavailable")
