"""Group leads: members of a group with `group_members.lead` set hear of its SLA breaches."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.models import Group, User
from core.models.users import group_members


def lead_ids(session: Session, group_id: int) -> set[int]:
    query = select(group_members.c.user_id).where(group_members.c.group_id == group_id, group_members.c.lead.is_(True))
    return set(session.scalars(query))


def set_leads(session: Session, group: Group, user_ids: Collection[int]) -> None:
    """Mark these members as leads and the others not; ids of non-members are ignored."""
    session.flush()
    is_lead = group_members.c.user_id.in_(list(user_ids)) if user_ids else False
    session.execute(update(group_members).where(group_members.c.group_id == group.id).values(lead=is_lead))


def active_leads(session: Session, group_id: int) -> list[User]:
    query = (
        select(User)
        .join(group_members, group_members.c.user_id == User.id)
        .where(group_members.c.group_id == group_id, group_members.c.lead.is_(True), User.active.is_(True))
        .order_by(User.email)
    )
    return list(session.scalars(query))
