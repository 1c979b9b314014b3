"""Sign-in throttling: too many failed sign-ins for one address or from one IP lock it out a while.

Failures are rows in `login_failures`, so every web process sees the same count. The window
slides: an address is refused while it has `EMAIL_LIMIT` failures in the last `WINDOW`, an IP
while it has `IP_LIMIT`. A refused attempt is not itself counted (the lock ends `WINDOW` after
the failures that caused it, however often someone keeps trying), and it is refused before the
password is checked, so a locked-out attacker learns nothing from further guesses.

A successful sign-in clears the failures recorded for that address, from any IP. It does not
clear the IP's count: otherwise an attacker with one account of their own could sign into it
every few guesses and never reach the per-IP limit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from core.models import LoginFailure, utcnow

WINDOW = timedelta(minutes=15)
EMAIL_LIMIT = 5
IP_LIMIT = 20


@dataclass(frozen=True, slots=True)
class Lockout:
    """Why sign-in is refused now, and when it will be allowed again."""

    reason: str
    until: datetime

    def retry_after(self, now: datetime) -> int:
        """Whole seconds until the lock lifts, at least 1 (for a `Retry-After` header)."""
        return max(1, int((self.until - now).total_seconds()) + 1)


def _key(email: str) -> str:
    return email.strip().lower()[:320]


def _lock_until(
    session: Session, column: InstrumentedAttribute[str], value: str, limit: int, since: datetime
) -> datetime | None:
    """When the `limit`-th newest failure in the window leaves it, if there are that many."""
    recent = (
        select(LoginFailure.at)
        .where(column == value, LoginFailure.at >= since)
        .order_by(LoginFailure.at.desc())
        .limit(limit)
    )
    times = list(session.scalars(recent))
    return times[-1] + WINDOW if len(times) >= limit else None


def lockout(session: Session, email: str, ip: str) -> Lockout | None:
    """The lock on this address or this IP, if either has too many recent failures."""
    since = utcnow() - WINDOW
    by_email = _lock_until(session, LoginFailure.email, _key(email), EMAIL_LIMIT, since)
    if by_email is not None:
        return Lockout("too many failed sign-ins for this account", by_email)
    by_ip = _lock_until(session, LoginFailure.ip, ip[:64], IP_LIMIT, since)
    if by_ip is not None:
        return Lockout("too many failed sign-ins from your network address", by_ip)
    return None


def record_failure(session: Session, email: str, ip: str) -> None:
    """Count one failed sign-in, and drop this address's and IP's rows that left the window."""
    cutoff = utcnow() - WINDOW
    session.execute(delete(LoginFailure).where(LoginFailure.email == _key(email), LoginFailure.at < cutoff))
    session.execute(delete(LoginFailure).where(LoginFailure.ip == ip[:64], LoginFailure.at < cutoff))
    session.add(LoginFailure(email=_key(email), ip=ip[:64], at=utcnow()))


def clear_failures(session: Session, email: str) -> None:
    """A successful sign-in (or password reset) proves the account's owner: forget its failures."""
    session.execute(delete(LoginFailure).where(LoginFailure.email == _key(email)))

