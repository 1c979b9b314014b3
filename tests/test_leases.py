"""Scale-out coordination: leases (one IMAP gateway per mailbox, taken over when its holder
dies) and singleton job slots (auto-close once per hour across workers), on both backends;
the IMAP takeover with real `postdesk gateway imap` processes on PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from core import jobs, leases
from core.db import unit_of_work
from core.models import JobRun, Lease, MessageKind, Status, Ticket, utcnow
from core.runtime import Runtime
from core.tickets import change_status, get_ticket
from mailgateway.imap.ownership import lease_name
from mailgateway.intake import Gateway
from postdesk.worker.singletons import SingletonJob, run_due, singleton_jobs
from tests.cli_helpers import postdesk_env
from tests.mail_fixtures import build_mail, deliver
from tests.servers.dovecot import DovecotServer
from tests.test_imap_poller import (
    PASSWORD,
    all_seen,
    eventually,
    make_mailbox,
    outcomes,
)

TTL = timedelta(seconds=30)


def _acquire(runtime: Runtime, holder: str, now_offset: timedelta = timedelta(0)) -> bool:
    with unit_of_work(runtime.sessions) as session:
        return leases.acquire(session, "imap-mailbox:1", holder, TTL, utcnow() + now_offset)


def test_a_lease_is_held_renewed_taken_over_when_expired_and_released(runtime: Runtime) -> None:
    assert _acquire(runtime, "gateway-a")
    assert not _acquire(runtime, "gateway-b"), "held by a"
    assert _acquire(runtime, "gateway-a"), "the holder renews"
    assert not _acquire(runtime, "gateway-b", TTL - timedelta(seconds=1)), "still within a's lease"
    assert _acquire(runtime, "gateway-b", TTL + timedelta(seconds=1)), "a stopped renewing: b takes over"
    assert not _acquire(runtime, "gateway-a", TTL + timedelta(seconds=2)), "a has lost it"
    with unit_of_work(runtime.sessions) as session:
        leases.release(session, "imap-mailbox:1", "gateway-a")  # not a's to give up: nothing happens
        assert leases.current_holder(session, "imap-mailbox:1", utcnow() + TTL) == "gateway-b"
        leases.release(session, "imap-mailbox:1", "gateway-b")
    assert _acquire(runtime, "gateway-a"), "released: free at once"


def test_concurrent_acquirers_get_one_winner(runtime: Runtime) -> None:
    contenders = [Runtime(runtime.settings) for _ in range(6)]
    barrier = threading.Barrier(len(contenders))
    won: list[str] = []

    def contend(rt: Runtime, name: str) -> None:
        barrier.wait()
        if _acquire(rt, name):
            won.append(name)

    threads = [threading.Thread(target=contend, args=(rt, f"gateway-{n}")) for n, rt in enumerate(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for rt in contenders:
        rt.engine.dispose()
    assert len(won) == 1
    with runtime.sessions() as session:
        assert [lease.holder for lease in session.scalars(select(Lease))] == won


def _claim(runtime: Runtime, holder: str, offset: timedelta = timedelta(0)) -> bool:
    with unit_of_work(runtime.sessions) as session:
        return jobs.claim(session, "backup", "2026-11-24", holder, timedelta(minutes=5), utcnow() + offset)


def test_a_job_slot_is_run_once_taken_over_after_a_crash_and_retried_after_a_failure(runtime: Runtime) -> None:
    assert _claim(runtime, "worker-a")
    assert not _claim(runtime, "worker-b"), "a runs it"
    assert _claim(runtime, "worker-b", timedelta(minutes=6)), "a died (no heartbeat): b takes the slot over"
    with unit_of_work(runtime.sessions) as session:
        assert not jobs.renew(session, "backup", "2026-11-24", "worker-a", timedelta(minutes=5)), "a's claim is gone"
        jobs.fail(session, "backup", "2026-11-24", "worker-b", "pg_dump failed: disk full")
    assert not _claim(runtime, "worker-c", timedelta(minutes=7)), "a failure waits before the retry"
    assert _claim(runtime, "worker-c", jobs.RETRY_FAILED_AFTER + timedelta(minutes=1))
    with unit_of_work(runtime.sessions) as session:
        jobs.finish(session, "backup", "2026-11-24", "worker-c", "ok")
    assert not _claim(runtime, "worker-d", timedelta(days=1)), "a done slot is never run again"
    with runtime.sessions() as session:
        run = session.scalars(select(JobRun)).one()
    assert (run.state, run.attempts, run.holder, run.detail) == ("done", 3, "worker-c", "ok")


def test_a_failing_job_is_recorded_and_the_others_still_run(runtime: Runtime) -> None:
    def broken(_rt: Runtime, _actor: str) -> str:
        raise RuntimeError("the backup disk is not mounted")

    fine = SingletonJob("fine", jobs.hourly_slot, lambda _rt, actor: f"done by {actor}")
    assert run_due(runtime, "worker-a", [SingletonJob("broken", jobs.hourly_slot, broken), fine]) == ["broken", "fine"]
    with runtime.sessions() as session:
        runs = {run.job: (run.state, run.detail) for run in session.scalars(select(JobRun))}
    assert runs == {"broken": ("failed", "RuntimeError: the backup disk is not mounted"), "fine": ("done", "done by worker-a")}


def test_auto_close_runs_once_per_hour_across_workers(gateway: Gateway, runtime: Runtime) -> None:
    """Tickets resolved longer than POSTDESK_AUTOCLOSE_DAYS ago are closed by exactly one of
    three workers firing at once; a fresh resolution is left alone."""
    numbers = [deliver(gateway, build_mail(subject=f"Issue {n}")).ticket for n in range(3)]
    with unit_of_work(runtime.sessions) as session:
        for number in numbers:
            change_status(session, get_ticket(session, number), Status.RESOLVED, actor=None)
        for number in numbers[:2]:
            get_ticket(session, number).resolved_at = utcnow() - timedelta(days=8)
    [auto_close] = [job for job in singleton_jobs(runtime) if job.name == "auto_close"]
    workers = [Runtime(runtime.settings) for _ in range(3)]
    ran: list[list[str]] = []
    threads = [threading.Thread(target=lambda rt=rt, n=n: ran.append(run_due(rt, f"worker-{n}", [auto_close])))
               for n, rt in enumerate(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for rt in workers:
        rt.engine.dispose()
    assert sorted(ran) == [[], [], ["auto_close"]]
    with runtime.sessions() as session:
        statuses = {ticket.id: ticket.status for ticket in session.scalars(select(Ticket))}
        closed = get_ticket(session, numbers[0])
        note = [message.text for message in closed.messages if message.kind is MessageKind.SYSTEM]
        [run] = session.scalars(select(JobRun)).all()
    assert statuses == {numbers[0]: Status.CLOSED, numbers[1]: Status.CLOSED, numbers[2]: Status.RESOLVED}
    assert note == ["Closed automatically: resolved for 7 days without a reply."]
    assert run.detail == f"2 resolved tickets closed: {numbers[:2]}"


# -- IMAP: one gateway process per mailbox, taken over when it dies --------------------


@pytest.fixture
def imap_user(dovecot_server: DovecotServer) -> str:
    user = f"helpdesk-{uuid.uuid4().hex[:12]}"
    dovecot_server.add_user(user, PASSWORD)
    return user


@pytest.fixture
def two_imap_gateways(runtime: Runtime, tmp_path: Path) -> Iterator[list[subprocess.Popen[bytes]]]:
    env = postdesk_env(runtime.settings, POSTDESK_IMAP_LEASE_SECONDS="3")
    command = [sys.executable, "-m", "postdesk", "gateway", "imap", "--poll-interval", "1"]
    logs = [(tmp_path / f"gateway-{n}.log").open("wb") for n in range(2)]
    processes = [subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT) for log in logs]
    try:
        yield processes
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=30)
        for log in logs:
            log.close()


def _holder_pid(runtime: Runtime, mailbox_id: int) -> int | None:
    with runtime.sessions() as session:
        holder = leases.current_holder(session, lease_name(mailbox_id))
    return int(holder.split(":")[1]) if holder else None


@pytest.mark.dovecot
@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_one_gateway_polls_a_mailbox_and_another_takes_over_when_it_is_killed(
    runtime: Runtime, dovecot_server: DovecotServer, imap_user: str, two_imap_gateways: list[subprocess.Popen[bytes]]
) -> None:
    mailbox_id = make_mailbox(runtime, dovecot_server, imap_user)
    for n in range(3):
        dovecot_server.append(imap_user, "INBOX", build_mail(subject=f"Before {n}"))
    eventually(lambda: outcomes(runtime).total() == 3, "three mails in", timeout=60)
    pids = {process.pid: process for process in two_imap_gateways}
    holder = _holder_pid(runtime, mailbox_id)
    assert holder in pids

    os.kill(holder, signal.SIGKILL)  # no clean shutdown: the lease is not released
    pids[holder].wait(timeout=10)
    for n in range(3):
        dovecot_server.append(imap_user, "INBOX", build_mail(subject=f"After {n}"))
    eventually(lambda: outcomes(runtime).total() == 6, "the other gateway took over", timeout=60)
    survivor = _holder_pid(runtime, mailbox_id)
    assert survivor in pids and survivor != holder
    assert outcomes(runtime) == Counter(ticket_created=6), "one poller at a time: no duplicate fetches"
    eventually(lambda: all_seen(dovecot_server, imap_user), "all mail seen")
