"""What time it is for the SLA clocks of a session.

Pauses, ticks and recomputed due times take "now" from here. A session factory may carry its
own clock under CLOCK_KEY in its `info` (like the mail identity of core.notify.identity), so a
test or a replay of history can drive the clocks through a ticket's life at chosen instants;
without one it is the wall clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from core.models import utcnow

CLOCK_KEY = "postdesk_sla_clock"
Clock = Callable[[], datetime]


def sla_now(session: Session) -> datetime:
    clock = session.info.get(CLOCK_KEY)
    return clock() if callable(clock) else utcnow()
