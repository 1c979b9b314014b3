"""`run_imap_gateway`: one poller thread per enabled mailbox, kept in step with the database.

Why a thread per mailbox and not one loop over all of them: IDLE parks a connection waiting for
the server, so a single loop could IDLE on only one mailbox at a time (or would have to
multiplex the sockets by hand), and one slow or unreachable server would delay mail from every
other. A thread each lets every mailbox IDLE, back off and reconnect on its own. Installations
have a handful of mailboxes, so the threads are cheap, and ingest() is safe to call from
several at once (a session per message; concurrent duplicates collide on the dedupe key).

The mailbox list is read again every `poll_interval`: a new or re-enabled mailbox gets a
poller, a removed or disabled one loses it, and an edited one (host, password, folder, ...)
gets a fresh poller with the new settings.

Any number of `postdesk gateway imap` processes may run: a mailbox is polled only by the
gateway holding its lease (ownership.py), renewed on every pass of the loop here, and taken
over by another gateway once a dead holder's lease has run out."""

from __future__ import annotations

import functools
import ipaddress
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta

from core.db import is_unavailable
from core.leases import holder_name
from core.mailboxes import MailboxAccount, enabled_accounts
from core.models import MailboxSecurity
from core.runtime import Runtime
from mailgateway.imap.connection import COMMAND_TIMEOUT
from mailgateway.imap.ownership import MailboxLeases
from mailgateway.imap.poller import Deliver, MailboxPoller, PollTiming
from mailgateway.intake import Gateway, ingest

log = logging.getLogger(__name__)

JOIN_TIMEOUT = COMMAND_TIMEOUT + 5
"""A poller notices its stop within a second, unless it is inside an IMAP command that is
waiting for a silent server; then the command's own timeout ends it."""


@dataclass(frozen=True, slots=True)
class _Worker:
    account: MailboxAccount
    stop: threading.Event
    thread: threading.Thread


def run_imap_gateway(
    rt: Runtime,
    stop: threading.Event,
    *,
    idle_timeout: float = 60.0,
    poll_interval: float = 30.0,
    holder: str | None = None,
) -> None:
    """Poll every enabled mailbox whose lease this gateway holds, until `stop` is set;
    returns once the pollers have stopped and their leases are released."""
    deliver: Deliver = functools.partial(ingest, Gateway.from_runtime(rt))
    timing = PollTiming(idle_timeout=idle_timeout, poll_interval=poll_interval)
    leases = MailboxLeases(rt.sessions, holder or holder_name(), timedelta(seconds=rt.settings.imap_lease_seconds))
    workers: dict[int, _Worker] = {}
    log.info("IMAP gateway %s started", leases.holder)
    try:
        while not stop.is_set():
            accounts = _read_accounts(rt)
            if accounts is not None:
                _reconcile(workers, accounts, leases, lambda account: _start(account, rt, deliver, timing))
            stop.wait(min(poll_interval, leases.renew_every))
    finally:
        _stop(workers.values(), leases)
        log.info("IMAP gateway stopped")


def _read_accounts(rt: Runtime) -> list[MailboxAccount] | None:
    """The enabled mailboxes, or None while the database is unreachable (keep what runs)."""
    try:
        with rt.sessions() as session:
            return enabled_accounts(session)
    except Exception as error:
        if not is_unavailable(error):
            raise
        log.warning("cannot read the mailbox list now: %s", error)
        return None


def _reconcile(
    workers: dict[int, _Worker],
    accounts: list[MailboxAccount],
    leases: MailboxLeases,
    start: Callable[[MailboxAccount], _Worker],
) -> None:
    """Stop pollers whose mailbox is gone, changed, taken over or whose thread died; start
    the missing ones whose lease we can take."""
    wanted = {account.id: account for account in accounts}
    stale = [worker_id for worker_id, worker in workers.items() if not _keeps_running(worker, wanted, leases)]
    _stop((workers.pop(worker_id) for worker_id in stale), leases)
    for account_id, account in wanted.items():
        if account_id not in workers and leases.acquire(account_id):
            workers[account_id] = start(account)


def _keeps_running(worker: _Worker, wanted: dict[int, MailboxAccount], leases: MailboxLeases) -> bool:
    """Unchanged, alive, and its lease renewed (or not renewable now: the database is down)."""
    if wanted.get(worker.account.id) != worker.account or not worker.thread.is_alive():
        return False
    if leases.acquire(worker.account.id) is False:
        log.warning("mailbox %s: another gateway has taken it over; stopping here", worker.account.name)
        return False
    return True


def _start(account: MailboxAccount, rt: Runtime, deliver: Deliver, timing: PollTiming) -> _Worker:
    if account.security is MailboxSecurity.PLAIN and not _is_loopback(account.host):
        log.warning("mailbox %s: password and mail cross the network unencrypted (security=plain)", account.name)
    stop = threading.Event()
    poller = MailboxPoller(account, rt.sessions, deliver, stop, timing)
    thread = threading.Thread(target=poller.run, name=f"imap-{account.name}", daemon=True)
    thread.start()
    log.info("mailbox %s: polling %s on %s:%d", account.name, account.folder, account.host, account.port)
    return _Worker(account, stop, thread)


def _stop(workers: Iterable[_Worker], leases: MailboxLeases) -> None:
    """Signal all first, then wait for each, so they wind down in parallel; a lease is given
    up only once its poller has stopped, so the next holder never overlaps with it."""
    pending = list(workers)
    for worker in pending:
        worker.stop.set()
    for worker in pending:
        worker.thread.join(JOIN_TIMEOUT)
        if worker.thread.is_alive():
            log.warning("mailbox %s: poller did not stop within %.0f s", worker.account.name, JOIN_TIMEOUT)
        else:
            leases.release(worker.account.id)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
