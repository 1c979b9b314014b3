"""What the staff views share: the writing unit of work of a POST, and the choices of the
assignee and category selects."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from wtforms import SelectChoice

from core.catalog import CatalogEntry
from core.db import unit_of_work
from core.errors import NotFound
from core.models import Category, Group, Role, Subcategory, User
from webadmin.auth import signed_in_user
from webadmin.db import get_runtime

Choices = list[SelectChoice]
_CATALOG_KINDS: dict[str, type[Group | Category | Subcategory]] = {"g": Group, "c": Category, "s": Subcategory}


@contextmanager
def writing() -> Iterator[tuple[Session, User]]:
    """A unit of work for a POST that changes something, with the signed-in user loaded in it.

    Its own session, not the request's: the request's session began (deferred, read-only on
    SQLite) when Flask-Login loaded the user, and a write needs the write lock from BEGIN on
    (core.db.WRITE_INTENT). Commits at the end of the block; any exception rolls everything back."""
    with unit_of_work(get_runtime().sessions) as session:
        me = session.get(User, signed_in_user().id)
        if me is None:
            abort(403)
        yield session, me


def staff_members(session: Session) -> list[User]:
    query = select(User).where(User.role.in_([Role.ADMIN, Role.AGENT]), User.active.is_(True)).order_by(User.name, User.email)
    return list(session.scalars(query))


def staff_choices(staff: list[User], *, none_label: str) -> Choices:
    """`""` for nobody, then each of `staff` by id."""
    return [SelectChoice("", none_label), *(SelectChoice(str(user.id), user.name or user.email) for user in staff)]


def active_groups(session: Session) -> list[Group]:
    """The catalog with its categories and subcategories loaded (three queries)."""
    query = (
        select(Group)
        .where(Group.active.is_(True))
        .options(selectinload(Group.categories).selectinload(Category.subcategories))
        .order_by(Group.name)
    )
    return list(session.scalars(query))


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
