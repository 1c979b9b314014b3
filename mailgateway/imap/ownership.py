"""Which `gateway imap` process polls which mailbox: one lease per mailbox (core/leases.py).

Any number of IMAP gateways may run; each mailbox is polled by the one holding its lease,
which the supervisor renews every third of the lease time. If that gateway dies, another one
takes the mailbox over once the lease has run out (POSTDESK_IMAP_LEASE_SECONDS, 60 s by
default). Two pollers on one mailbox would still be safe (dedupe turns the second fetch into
a `duplicate` row), so the lease is about doing the work once, not about correctness; this is
why a poller whose lease cannot be renewed while the database is down keeps its mailbox: no
other gateway can take it over meanwhile either."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from core import leases
from core.db import is_unavailable, unit_of_work

log = logging.getLogger(__name__)


def lease_name(mailbox_id: int) -> str:
    return f"imap-mailbox:{mailbox_id}"


class MailboxLeases:
    def __init__(self, sessions: sessionmaker[Session], holder: str, ttl: timedelta) -> None:
        self.sessions = sessions
        self.holder = holder
        self.ttl = ttl

    @property
    def renew_every(self) -> float:
        """Seconds between renewals: three chances before the lease runs out."""
        return self.ttl.total_seconds() / 3

    def acquire(self, mailbox_id: int) -> bool | None:
        """Take or renew the mailbox's lease: True ours, False someone else's, None unknown
        (the database is unavailable)."""
        try:
            with unit_of_work(self.sessions) as session:
                return leases.acquire(session, lease_name(mailbox_id), self.holder, self.ttl)
        except Exception as error:
            if not is_unavailable(error):
                raise
            return None

    def release(self, mailbox_id: int) -> None:
        """Give the mailbox up at once; if the database is down, the lease simply runs out."""
        try:
            with unit_of_work(self.sessions) as session:
                leases.release(session, lease_name(mailbox_id), self.holder)
        except Exception as error:
            if not is_unavailable(error):
                raise
            log.warning("mailbox #%d: could not release its lease now; it runs out by itself", mailbox_id)
