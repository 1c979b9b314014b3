"""The worker's schedule (APScheduler 3, an in-memory job store of its own: never shared
between processes; workers coordinate through the database, not through the scheduler)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from apscheduler.schedulers.blocking import BlockingScheduler

from core.db import is_unavailable
from core.leases import holder_name
from core.runtime import Runtime
from postdesk.worker.delivery import deliver_due
from postdesk.worker.singletons import run_due, singleton_jobs
from postdesk.worker.sla_checks import INTERVAL_SECONDS as SLA_INTERVAL_SECONDS
from postdesk.worker.sla_checks import run_sla_checks
from postdesk.worker.transports import Transport, transport_for

log = logging.getLogger(__name__)
OUTBOX_INTERVAL_SECONDS = 5
SINGLETONS_INTERVAL_SECONDS = 60


def _deliver(rt: Runtime, transport: Transport) -> None:
    try:
        deliver_due(rt, transport)
    except Exception as error:
        if not is_unavailable(error):
            raise
        log.warning("outbox delivery paused: the database is unavailable")


def _singletons(rt: Runtime, holder: str) -> None:
    try:
        run_due(rt, holder, singleton_jobs(rt))
    except Exception as error:
        if not is_unavailable(error):
            raise
        log.warning("singleton jobs paused: the database is unavailable")


def build_scheduler(rt: Runtime, transport: Transport | None = None) -> BlockingScheduler:
    scheduler = BlockingScheduler(timezone="UTC")
    scheduler.add_job(
        _deliver, "interval", seconds=OUTBOX_INTERVAL_SECONDS, args=(rt, transport or transport_for(rt.settings)),
        id="deliver_outbox", max_instances=1, coalesce=True, next_run_time=datetime.now(UTC),
    )
    scheduler.add_job(
        _singletons, "interval", seconds=SINGLETONS_INTERVAL_SECONDS, args=(rt, holder_name()),
        id="singleton_jobs", max_instances=1, coalesce=True, next_run_time=datetime.now(UTC),
    )
    scheduler.add_job(
        run_sla_checks, "interval", seconds=SLA_INTERVAL_SECONDS, args=(rt,),
        id="sla_checks", max_instances=1, coalesce=True, next_run_time=datetime.now(UTC),
    )
    return scheduler
