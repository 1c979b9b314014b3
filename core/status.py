"""The ticket status machine: every legal move is in one table."""

from __future__ import annotations

from core.errors import IllegalTransition
from core.models import Status

S = Status
TRANSITIONS: dict[Status, frozenset[Status]] = {
    S.NEW: frozenset({S.ASSIGNED, S.IN_PROGRESS, S.WAITING_ON_CUSTOMER, S.RESOLVED, S.CLOSED}),
    S.ASSIGNED: frozenset({S.NEW, S.IN_PROGRESS, S.WAITING_ON_CUSTOMER, S.RESOLVED, S.CLOSED}),
    S.IN_PROGRESS: frozenset({S.ASSIGNED, S.WAITING_ON_CUSTOMER, S.RESOLVED, S.CLOSED}),
    S.WAITING_ON_CUSTOMER: frozenset({S.NEW, S.ASSIGNED, S.IN_PROGRESS, S.RESOLVED, S.CLOSED}),
    S.RESOLVED: frozenset({S.NEW, S.IN_PROGRESS, S.CLOSED}),
    S.CLOSED: frozenset(),
}

REOPENED_BY_CUSTOMER_REPLY = frozenset({S.WAITING_ON_CUSTOMER, S.RESOLVED})
"""A reply from the requester's side moves a ticket in these statuses back to work."""


def check_transition(current: Status, target: Status) -> None:
    """Raise IllegalTransition unless the table allows current -> target."""
    if target not in TRANSITIONS[current]:
        allowed = ", ".join(sorted(status.value for status in TRANSITIONS[current])) or "none (final)"
        raise IllegalTransition(
            f"cannot move a ticket from {current.value} to {target.value}; allowed: {allowed}"
        )
