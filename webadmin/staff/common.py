"""What the staff views share: the writing unit of work of a POST (webadmin.actions.writing,
imported from here by the staff and portal views), and the choices of the assignee and
category selects."""

from __future__ import annotations

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms import SelectChoice

from core.catalog import CatalogEntry, catalog_tree
from core.errors import NotFound
from core.models import Category, Group, Role, Subcategory, Ticket, User
from core.permissions import Action, Surface, decide
from webadmin.actions import writing  # noqa: F401
from webadmin.auth import signed_in_user

Choices = list[SelectChoice]
_CATALOG_KINDS: dict[str, type[Group | Category | Subcategory]] = {"g": Group, "c": Category, "s": Subcategory}


def permitted(session: Session, ticket: Ticket | None, action: Action) -> Ticket:
    """The ticket if the signed-in user may do `action` to it in the panel (core.permissions); else 404."""
    if ticket is None or not decide(session, signed_in_user(), action, ticket, surface=Surface.PANEL):
        abort(404)
    return ticket


def staff_members(session: Session) -> list[User]:
    """Active agents and admins by name: who can be assigned tickets or join a group."""
    query = select(User).where(User.role.in_([Role.ADMIN, Role.AGENT]), User.active.is_(True)).order_by(User.name, User.email)
    return list(session.scalars(query))


def staff_choices(staff: list[User], *, none_label: str) -> Choices:
    """`""` for nobody, then each of `staff` by id."""
    return [SelectChoice("", none_label), *(SelectChoice(str(user.id), user.name or user.email) for user in staff)]


def active_groups(session: Session) -> list[Group]:
    """The active catalog in the admin's order, its categories and subcategories loaded."""
    return catalog_tree(session, active_only=True)


def catalog_choices(groups: list[Group], *, none_label: str, subcategories: bool) -> Choices:
    """`g:ID`, `c:ID` (and `s:ID`) entries of the active catalog, labelled by their path."""
    choices: Choices = [SelectChoice("", none_label)]
    for group in groups:
        choices.append(SelectChoice(f"g:{group.id}", group.name))
        for category in (item for item in group.categories if item.active):
            choices.append(SelectChoice(f"c:{category.id}", f"{group.name} / {category.name}"))
            if subcategories:
                choices.extend(
                    SelectChoice(f"s:{sub.id}", f"{group.name} / {category.name} / {sub.name}")
                    for sub in category.subcategories
                    if sub.active
                )
    return choices


def catalog_value(group: Group | None, category: Category | None, subcategory: Subcategory | None) -> str:
    """The select value of a ticket's place in the catalog."""
    if subcategory is not None:
        return f"s:{subcategory.id}"
    if category is not None:
        return f"c:{category.id}"
    return f"g:{group.id}" if group is not None else ""


def catalog_entry(session: Session, value: str) -> CatalogEntry | None:
    """The entry a select value names; None for `""`. The value was one of the form's choices."""
    if not value:
        return None
    kind, _, number = value.partition(":")
    item = session.get(_CATALOG_KINDS[kind], int(number))
    if isinstance(item, Subcategory):
        return CatalogEntry(item.category.group, item.category, item)
    if isinstance(item, Category):
        return CatalogEntry(item.group, item)
    if isinstance(item, Group):
        return CatalogEntry(item)
    raise NotFound("that category does not exist any more")
