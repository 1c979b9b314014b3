"""Which statuses stop the SLA clocks: the ones an admin marks (by default
`waiting_on_customer`), and always `closed` (a closed ticket is never worked again, so its
unmet targets stop where they are instead of breaching later).

A change here applies from each ticket's next status change on: a ticket that sits in a
status that now pauses starts its pause when it next moves, not retroactively."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.models import SlaPausingStatus, Status

ALWAYS_PAUSED = frozenset({Status.CLOSED})
EDITABLE = tuple(status for status in Status if status not in ALWAYS_PAUSED)


def marked_pausing(session: Session) -> frozenset[Status]:
    """The statuses an admin marked as pausing."""
    return frozenset(session.scalars(select(SlaPausingStatus.status)))


def pausing_statuses(session: Session) -> frozenset[Status]:
    return marked_pausing(session) | ALWAYS_PAUSED


def set_pausing(session: Session, statuses: Iterable[Status]) -> None:
    wanted = frozenset(statuses) - ALWAYS_PAUSED
    session.execute(delete(SlaPausingStatus))
    session.add_all(SlaPausingStatus(status=status) for status in sorted(wanted))
    session.flush()
