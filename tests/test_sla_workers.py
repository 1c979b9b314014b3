"""Two workers checking the SLA clocks of one PostgreSQL at the same time: every warning and
every breach goes out exactly once (`SELECT ... FOR UPDATE SKIP LOCKED` in core.sla.check).

Each worker is a Runtime of its own (its own engine and connections, as two `postdesk worker`
processes have) running in a thread of its own; a barrier starts them together, and small
batches make each run several claiming transactions, so their claims interleave."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from core.db import unit_of_work
from core.models import OutboxMessage, SlaTarget, TicketSlaClock
from core.runtime import Runtime
from core.sla.check import CheckReport, claim, warning_due
from postdesk.worker.sla_checks import check_sla
from tests import test_sla_tracking
from tests.test_sla_tracking import alice, open_in, staff

world, clock = test_sla_tracking.world, test_sla_tracking.clock
TICKETS = 24
ON_POSTGRES = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)


@pytest.fixture
def settings(settings):  # type: ignore[no-untyped-def]
    """Enough automatic mail per address for all the warnings to one assignee in this hour."""
    return replace(settings, autoreply_limit=10 * TICKETS)


def open_many(sessions: sessionmaker[Session]) -> datetime:
    """TICKETS tickets under the 24/7 policy (first response 1h), assigned; the last one's creation."""
    with unit_of_work(sessions) as session:
        agent = staff(session)
        tickets = [open_in(session, alice(session), "IT/Hardware") for _ in range(TICKETS)]
        for ticket in tickets:
            ticket.assignee = agent
        return max(ticket.created_at for ticket in tickets)


def worker(runtime: Runtime, **options: str) -> Runtime:
    """Another worker process's view of the same database (`options`: PostgreSQL settings)."""
    url = runtime.settings.database_url
    if options:
        url += "?options=" + "%20".join(f"-c%20{name}%3D{value}" for name, value in options.items())
    return Runtime(replace(runtime.settings, database_url=url))


def race(workers: list[Runtime], now: datetime) -> list[CheckReport]:
    barrier = threading.Barrier(len(workers))
    reports: list[CheckReport | Exception] = [CheckReport()] * len(workers)

    def run(index: int) -> None:
        barrier.wait()
        try:
            reports[index] = check_sla(workers[index], now=now, batch=3)
        except Exception as error:  # noqa: BLE001 - raised below, in the test's thread
            reports[index] = error

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(workers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for report in reports:
        if isinstance(report, Exception):
            raise report
    return [report for report in reports if isinstance(report, CheckReport)]


def per_ticket(sessions: sessionmaker[Session], template: str) -> Counter[int | None]:
    with sessions() as session:
        return Counter(session.scalars(select(OutboxMessage.ticket_id).where(OutboxMessage.template == template)))


@ON_POSTGRES
def test_two_workers_warn_and_breach_each_clock_exactly_once(world: sessionmaker[Session], runtime: Runtime) -> None:
    last = open_many(world)
    workers = [worker(runtime), worker(runtime)]
    try:
        warned = race(workers, last + timedelta(minutes=50))
        assert sum(report.warned for report in warned) == TICKETS
        assert sorted(per_ticket(world, "sla_warning").values()) == [1] * TICKETS
        assert sum(report.warned + report.breached for report in race(workers, last + timedelta(minutes=55))) == 0
        breached = race(workers, last + timedelta(minutes=61))
        assert sum(report.breached for report in breached) == TICKETS
        assert sorted(per_ticket(world, "sla_breach").values()) == [1] * TICKETS
    finally:
        for rt in workers:
            rt.engine.dispose()
    with world() as session:
        stamped = select(func.count()).where(
            TicketSlaClock.target == SlaTarget.FIRST_RESPONSE,
            TicketSlaClock.warned_at == last + timedelta(minutes=50),
            TicketSlaClock.breached_at == last + timedelta(minutes=61),
        )
        assert session.scalar(stamped) == TICKETS


@ON_POSTGRES
def test_a_worker_skips_the_clocks_another_worker_holds(world: sessionmaker[Session], runtime: Runtime) -> None:
    """Worker A has claimed every due clock and not committed yet; worker B neither waits for
    it (a lock wait would fail after 5 s) nor warns any of them; after A's commit, nothing is left."""
    last = open_many(world)
    now = last + timedelta(minutes=50)
    other = worker(runtime, lock_timeout="5000")
    try:
        with unit_of_work(runtime.sessions) as session:
            held = claim(session, warning_due(now), limit=TICKETS)
            assert len(held) == TICKETS
            assert check_sla(other, now=now).warned == 0
            for clock_row in held:
                clock_row.warned_at = now
        assert check_sla(other, now=now).warned == 0
    finally:
        other.engine.dispose()
