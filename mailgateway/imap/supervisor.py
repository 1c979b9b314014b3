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

Run one `postdesk gateway imap` per installation. A second one would fetch the same messages;
dedupe still yields one ticket each, but every message would also leave a `duplicate` row."""

from __future__ import annotations

import functools
import ipaddress
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from core.db import is_unavailable
from core.mailboxes import MailboxAccount, enabled_accounts
from core.models import MailboxSecurity
from core.runtime import Runtime
from mailgateway.imap.connection import COMMAND_TIMEOUT
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
    rt: Runtime, stop: threading.Event, *, idle_timeout: float = 60.0, poll_interval: float = 30.0
) -> None:
    """Poll every enabled mailbox until `stop` is set; returns once the pollers have stopped."""
    deliver: Deliver = functools.partial(ingest, Gateway.from_runtime(rt))
    timing = PollTiming(idle_timeout=idle_timeout, poll_interval=poll_interval)
    workers: dict[int, _Worker] = {}
    log.info("IMAP gateway started")
    try:
        while not stop.is_set():
            accounts = _read_accounts(rt)
            if accounts is not None:
                _reconcile(workers, accounts, lambda account: _start(account, rt, deliver, timing))
            stop.wait(poll_interval)
    finally:
        _stop(workers.values())
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
    start: Callable[[MailboxAccount], _Worker],
) -> None:
    """Stop pollers whose mailbox is gone, changed or whose thread died; start the missing."""
    wanted = {account.id: account for account in accounts}
    stale = [
        worker_id
        for worker_id, worker in workers.items()
        if wanted.get(worker_id) != worker.account or not worker.thread.is_alive()
    ]
    _stop(workers.pop(worker_id) for worker_id in stale)
    for account_id, account in wanted.items():
        if account_id not in workers:
            workers[account_id] = start(account)


def _start(account: MailboxAccount, rt: Runtime, deliver: Deliver, timing: PollTiming) -> _Worker:
    if account.security is MailboxSecurity.PLAIN and not _is_loopback(account.host):
        log.warning("mailbox %s: password and mail cross the network unencrypted (security=plain)", account.name)
    stop = threading.Event()
    poller = MailboxPoller(account, rt.sessions, deliver, stop, timing)
    thread = threading.Thread(target=poller.run, name=f"imap-{account.name}", daemon=True)
    thread.start()
    log.info("mailbox %s: polling %s on %s:%d", account.name, account.folder, account.host, account.port)
    return _Worker(account, stop, thread)


def _stop(workers: Iterable[_Worker]) -> None:
    """Signal all first, then wait for each, so they wind down in parallel."""
    pending = list(workers)
    for worker in pending:
        worker.stop.set()
    for worker in pending:
        worker.thread.join(JOIN_TIMEOUT)
        if worker.thread.is_alive():
            log.warning("mailbox %s: poller did not stop within %.0f s", worker.account.name, JOIN_TIMEOUT)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
