"""The admins' catalog routes: the whole tree with ids, adding, changing and deleting entries.

The same services as the catalog pages (core.catalog): names are unique among siblings (409),
an entry that tickets or address routes use is not deleted (409: deactivate it instead), so a
ticket's history never loses its category."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.catalog import (
    CatalogItem,
    add_under,
    catalog_tree,
    delete_unused,
    rename,
    set_members,
)
from core.errors import InvalidInput
from core.models import Category, Group, Subcategory, User
from core.users import normalise_email
from webadmin.api import shapes
from webadmin.api.bearer import Access
from webadmin.api.blueprint import api
from webadmin.api.errors import ApiError
from webadmin.api.schemas.catalog import (
    CatalogTree,
    CategoryItem,
    EntryChange,
    GroupChange,
    GroupItem,
    NewEntry,
    SubcategoryItem,
)
from webadmin.api.session import writing
from webadmin.db import get_session

TAG = "Admin: catalog"
Item = TypeVar("Item", Group, Category, Subcategory)


def _entry(session: Session, kind: type[Item], item_id: int) -> Item:
    item = session.get(kind, item_id)
    if item is None:
        raise ApiError(404, f"No {kind.__name__.lower()} #{item_id}.")
    return item


def _apply(session: Session, item: CatalogItem, change: EntryChange) -> None:
    if change.name is not None and change.name != item.name:
        rename(session, item, change.name)
    if change.active is not None:
        item.active = change.active


def _members(session: Session, emails: list[str]) -> list[User]:
    """The users behind these addresses; 422 on `members` naming the unknown ones."""
    wanted = []
    for email in emails:
        try:
            wanted.append(normalise_email(email))
        except InvalidInput as error:
            raise ApiError(422, str(error), fields={"members": str(error)}) from None
    users = list(session.scalars(select(User).where(User.email.in_(wanted))))
    unknown = sorted(set(wanted) - {user.email for user in users})
    if unknown:
        raise ApiError(422, "Unknown members.", fields={"members": f"no user {', '.join(unknown)}"})
    return users


def _delete(session: Session, item: CatalogItem) -> None:
    try:
        delete_unused(session, item)
    except InvalidInput as error:
        raise ApiError(409, str(error)) from None


@api.operation("GET", "/admin/catalog", tag=TAG, access=Access.ADMIN, response=CatalogTree)
def full_catalog() -> CatalogTree:
    """The whole catalog, inactive entries included, with ids and group members."""
    return shapes.tree(catalog_tree(get_session(), active_only=False))


@api.operation("POST", "/admin/catalog/groups", tag=TAG, access=Access.ADMIN, body=NewEntry, response=GroupItem, status=201, errors={409})
def add_group(body: NewEntry) -> GroupItem:
    """Add a group."""
    with writing() as (session, _me):
        return shapes.group_item(add_under(session, None, body.name).group)


@api.operation(
    "POST", "/admin/catalog/groups/{group_id}/categories", tag=TAG, access=Access.ADMIN, body=NewEntry,
    response=CategoryItem, status=201, errors={409},
)  # fmt: skip
def add_category(group_id: int, body: NewEntry) -> CategoryItem:
    """Add a category to a group."""
    with writing() as (session, _me):
        entry = add_under(session, _entry(session, Group, group_id), body.name)
        assert entry.category is not None
        return shapes.category_item(entry.category)


@api.operation(
    "POST", "/admin/catalog/categories/{category_id}/subcategories", tag=TAG, access=Access.ADMIN, body=NewEntry,
    response=SubcategoryItem, status=201, errors={409},
)  # fmt: skip
def add_subcategory(category_id: int, body: NewEntry) -> SubcategoryItem:
    """Add a subcategory to a category."""
    with writing() as (session, _me):
        entry = add_under(session, _entry(session, Category, category_id), body.name)
        assert entry.subcategory is not None
        return shapes.subcategory_item(entry.subcategory)


@api.operation("PUT", "/admin/catalog/groups/{group_id}", tag=TAG, access=Access.ADMIN, body=GroupChange, response=GroupItem, errors={409})
def change_group(group_id: int, body: GroupChange) -> GroupItem:
    """Rename, (de)activate, set the display name, new-ticket notices or the members of a group."""
    with writing() as (session, _me):
        group = _entry(session, Group, group_id)
        _apply(session, group, body)
        if body.display_name is not None:
            group.display_name = body.display_name.strip()
        if body.notify_new_tickets is not None:
            group.notify_new_tickets = body.notify_new_tickets
        if body.members is not None:
            set_members(session, group, _members(session, body.members))
        return shapes.group_item(group)


@api.operation(
    "PUT", "/admin/catalog/categories/{category_id}", tag=TAG, access=Access.ADMIN, body=EntryChange,
    response=CategoryItem, errors={409},
)  # fmt: skip
def change_category(category_id: int, body: EntryChange) -> CategoryItem:
    """Rename or (de)activate a category."""
    with writing() as (session, _me):
        category = _entry(session, Category, category_id)
        _apply(session, category, body)
        return shapes.category_item(category)


@api.operation(
    "PUT", "/admin/catalog/subcategories/{subcategory_id}", tag=TAG, access=Access.ADMIN, body=EntryChange,
    response=SubcategoryItem, errors={409},
)  # fmt: skip
def change_subcategory(subcategory_id: int, body: EntryChange) -> SubcategoryItem:
    """Rename or (de)activate a subcategory."""
    with writing() as (session, _me):
        subcategory = _entry(session, Subcategory, subcategory_id)
        _apply(session, subcategory, body)
        return shapes.subcategory_item(subcategory)


@api.operation("DELETE", "/admin/catalog/groups/{group_id}", tag=TAG, access=Access.ADMIN, status=204, errors={409})
def delete_group(group_id: int) -> None:
    """Delete a group nothing uses (409 otherwise: deactivate it instead)."""
    with writing() as (session, _me):
        _delete(session, _entry(session, Group, group_id))


@api.operation("DELETE", "/admin/catalog/categories/{category_id}", tag=TAG, access=Access.ADMIN, status=204, errors={409})
def delete_category(category_id: int) -> None:
    """Delete a category nothing uses (409 otherwise: deactivate it instead)."""
    with writing() as (session, _me):
        _delete(session, _entry(session, Category, category_id))


@api.operation("DELETE", "/admin/catalog/subcategories/{subcategory_id}", tag=TAG, access=Access.ADMIN, status=204, errors={409})
def delete_subcategory(subcategory_id: int) -> None:
    """Delete a subcategory nothing uses (409 otherwise: deactivate it instead)."""
    with writing() as (session, _me):
        _delete(session, _entry(session, Subcategory, subcategory_id))
