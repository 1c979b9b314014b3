"""Which agent of a group gets a routed ticket: the least loaded, or the next in turn."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.models import Group, Status, Ticket, User

OPEN = (Status.NEW, Status.ASSIGNED, Status.IN_PROGRESS, Status.WAITING_ON_CUSTOMER)


def _agents(group: Group) -> list[User]:
    return sorted((m for m in group.members if m.is_staff and m.active), key=lambda user: user.id)


def least_loaded(session: Session, group: Group) -> User | None:
    """The agent with the fewest open tickets (ties: the lowest id, so the choice is stable)."""
    agents = _agents(group)
    if not agents:
        return None
    counts = dict(
        session.execute(
            select(Ticket.assignee_id, func.count())
            .where(Ticket.assignee_id.in_([a.id for a in agents]), Ticket.status.in_(OPEN))
            .group_by(Ticket.assignee_id)
        ).all()
    )
    return min(agents, key=lambda agent: (counts.get(agent.id, 0), agent.id))


def round_robin(session: Session, group: Group) -> User | None:
    """The agent after the one who got this group's most recently assigned ticket."""
    agents = _agents(group)
    if not agents:
        return None
    last = session.scalar(
        select(Ticket.assignee_id)
        .where(Ticket.group_id == group.id, Ticket.assignee_id.in_([a.id for a in agents]))
        .order_by(Ticket.id.desc())
        .limit(1)
    )
    ids = [agent.id for agent in agents]
    return agents[(ids.index(last) + 1) % len(agents)] if last in ids else agents[0]
