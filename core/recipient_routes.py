"""Recipient-address routes: mail to `hr-help@...` opens its ticket in the HR group (and category).

The SMTP/LMTP receiver accepts mail for these addresses besides the support addresses (it
re-reads the list every 30 s), and the intake's route stage files new tickets by them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from core.errors import AlreadyExists, InvalidInput
from core.models import Category, Group, RecipientRoute
from core.users import normalise_email


def list_routes(session: Session) -> list[RecipientRoute]:
    query = select(RecipientRoute).options(
        selectinload(RecipientRoute.group), selectinload(RecipientRoute.category)
    ).order_by(RecipientRoute.address)
    return list(session.scalars(query))


def add_route(session: Session, address: str, group: Group, category: Category | None = None) -> RecipientRoute:
    """Route `address` to `group` (and `category`, which must be one of the group's)."""
    cleaned = normalise_email(address)
    if category is not None and category.group_id != group.id:
        raise InvalidInput(f"category {category.name!r} is not in group {group.name!r}")
    if session.scalar(select(RecipientRoute.id).where(RecipientRoute.address == cleaned)) is not None:
        raise AlreadyExists(f"{cleaned} is routed already")
    route = RecipientRoute(address=cleaned, group=group, category=category)
    session.add(route)
    session.flush()
    return route
