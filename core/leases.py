"""Leases: one process at a time does a named thing (polls mailbox 3), across any number of
processes and machines on one database.

Why a lease row and not a PostgreSQL advisory lock: it works the same on SQLite and
PostgreSQL, survives a connection pooler (a session advisory lock lives on one server
connection, which a pooler or a database restart silently takes away), and an admin can see
who holds what. The price is a heartbeat: the holder renews before `expires_at`, and a holder
that dies is replaced once its lease has run out (at most one lease time later).

Every verb is one short statement in the caller's transaction; the row lock taken by the
conditional UPDATE (or the primary key, for the INSERT) decides a race between two
processes. Clocks: expiry compares the processes' own UTC clocks, so hosts must keep them in
step (NTP); a skew of a few seconds only shortens or lengthens a takeover by as much."""

from __future__ import annotations

import os
import secrets
import socket
from datetime import datetime, timedelta

from sqlalchemy import case, delete, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.models import Lease, utcnow


def holder_name() -> str:
    """Names this process (and one instance within it) in lease and job rows: host:pid:random."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def acquire(session: Session, name: str, holder: str, ttl: timedelta, now: datetime | None = None) -> bool:
    """Take or renew the lease `name` for `ttl`; False when someone else holds it unexpired.

    Renewing is acquiring again: it succeeds while we hold the lease, or once it has expired
    and nobody else took it meanwhile."""
    now = now or utcnow()
    renewed = session.execute(
        update(Lease)
        .where(Lease.name == name, or_(Lease.holder == holder, Lease.expires_at < now))
        .values(holder=holder, expires_at=now + ttl, acquired_at=case((Lease.holder == holder, Lease.acquired_at), else_=now))
        .execution_options(synchronize_session=False)
    )
    if renewed.rowcount == 1:  # type: ignore[attr-defined]
        return True
    try:
        with session.begin_nested():
            session.add(Lease(name=name, holder=holder, acquired_at=now, expires_at=now + ttl))
    except IntegrityError:
        return False
    return True


def release(session: Session, name: str, holder: str) -> None:
    """Give the lease up at once (a clean shutdown), so another process need not wait it out."""
    session.execute(
        delete(Lease).where(Lease.name == name, Lease.holder == holder).execution_options(synchronize_session=False)
    )


def current_holder(session: Session, name: str, now: datetime | None = None) -> str | None:
    """Who holds `name` now, or None when it is free or expired."""
    lease = session.get(Lease, name)
    if lease is None or lease.expires_at < (now or utcnow()):
        return None
    return lease.holder
