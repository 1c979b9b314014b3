"""Catalog services: the group -> category -> subcategory tree, and the admin's edits to it."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session, selectinload

from core.errors import AlreadyExists, InvalidInput, NotFound
from core.models import Category, Group, RecipientRoute, Subcategory, Ticket, User


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    group: Group
    category: Category | None = None
    subcategory: Subcategory | None = None

    @property
    def path(self) -> str:
        items = (self.group, self.category, self.subcategory)
        return "/".join(item.name for item in items if item is not None)


GROUP_ORDER = (Group.position, Group.name)
"""How every list of groups is ordered: as the admin arranged them (categories and
subcategories follow their own `position` through the relationships' `order_by`)."""


def catalog_tree(session: Session, *, active_only: bool) -> list[Group]:
    """The groups in order with their categories and subcategories loaded (three queries)."""
    query = select(Group).options(selectinload(Group.categories).selectinload(Category.subcategories))
    if active_only:
        query = query.where(Group.active.is_(True))
    return list(session.scalars(query.order_by(*GROUP_ORDER)))


def split_path(path: str) -> list[str]:
    parts = [part.strip() for part in path.split("/")]
    if not 1 <= len(parts) <= 3 or not all(parts):
        raise InvalidInput(f"{path!r} is not GROUP[/CATEGORY[/SUBCATEGORY]]")
    return parts


def _group(session: Session, name: str) -> Group | None:
    return session.scalar(select(Group).where(Group.name == name))


def _category(session: Session, group: Group, name: str) -> Category | None:
    return session.scalar(select(Category).where(Category.group_id == group.id, Category.name == name))


def _subcategory(session: Session, category: Category, name: str) -> Subcategory | None:
    return session.scalar(
        select(Subcategory).where(Subcategory.category_id == category.id, Subcategory.name == name)
    )


def resolve_path(session: Session, path: str) -> CatalogEntry:
    """The existing entry at `path`, or NotFound naming the first missing part."""
    parts = split_path(path)
    group = _group(session, parts[0])
    if group is None:
        raise NotFound(f"no group {parts[0]!r}")
    if len(parts) == 1:
        return CatalogEntry(group)
    category = _category(session, group, parts[1])
    if category is None:
        raise NotFound(f"no category {parts[1]!r} in group {group.name!r}")
    if len(parts) == 2:
        return CatalogEntry(group, category)
    subcategory = _subcategory(session, category, parts[2])
    if subcategory is None:
        raise NotFound(f"no subcategory {parts[2]!r} in {group.name}/{category.name}")
    return CatalogEntry(group, category, subcategory)


def add_path(session: Session, path: str) -> CatalogEntry:
    """Create the last part of `path`; its parents must exist already."""
    parts = split_path(path)
    if len(parts) > 1:
        parent = resolve_path(session, "/".join(parts[:-1]))
    try:
        resolve_path(session, path)
    except NotFound:
        pass
    else:
        raise AlreadyExists(f"{'/'.join(parts)} exists already")
    if len(parts) == 1:
        group = Group(name=parts[0], display_name=parts[0], position=_next_position(session, Group, None))
        session.add(group)
        session.flush()
        return CatalogEntry(group)
    if len(parts) == 2:
        category = Category(
            group=parent.group, name=parts[1], position=_next_position(session, Category, parent.group.id)
        )
        session.add(category)
        session.flush()
        return CatalogEntry(parent.group, category)
    assert parent.category is not None
    subcategory = Subcategory(
        category=parent.category, name=parts[2], position=_next_position(session, Subcategory, parent.category.id)
    )
    session.add(subcategory)
    session.flush()
    return CatalogEntry(parent.group, parent.category, subcategory)


CatalogItem = Group | Category | Subcategory
NAME_MAX = 120


def clean_name(name: str) -> str:
    """A catalog name as stored: trimmed, not empty, no `/` (it separates the parts of a path)."""
    cleaned = " ".join(name.split())
    if not cleaned or "/" in cleaned or len(cleaned) > NAME_MAX:
        raise InvalidInput(f"a catalog name must be 1 to {NAME_MAX} characters without '/'; got {name!r}")
    return cleaned


def _namesakes(session: Session, item: CatalogItem) -> list[int]:
    """The ids of the entries under `item`'s parent with `item`'s name (unique among siblings)."""
    if isinstance(item, Group):
        query = select(Group.id).where(Group.name == item.name)
    elif isinstance(item, Category):
        query = select(Category.id).where(Category.group_id == item.group_id, Category.name == item.name)
    else:
        query = select(Subcategory.id).where(Subcategory.category_id == item.category_id, Subcategory.name == item.name)
    with session.no_autoflush:
        return list(session.scalars(query))


def _sibling_query(kind: type[CatalogItem], parent_id: int | None) -> Select[tuple[CatalogItem]]:
    """The entries that share a parent (all groups; a group's categories; a category's subcategories)."""
    if kind is Group:
        return select(Group)
    if kind is Category:
        return select(Category).where(Category.group_id == parent_id)
    return select(Subcategory).where(Subcategory.category_id == parent_id)


def _parent_id(item: CatalogItem) -> int | None:
    if isinstance(item, Group):
        return None
    return item.group_id if isinstance(item, Category) else item.category_id


def _next_position(session: Session, kind: type[CatalogItem], parent_id: int | None) -> int:
    """A new entry goes after its siblings."""
    last = session.scalar(_sibling_query(kind, parent_id).with_only_columns(func.max(kind.position)))
    return 0 if last is None else last + 1


def move(session: Session, item: CatalogItem, steps: int) -> None:
    """Move `item` `steps` places among its siblings (negative: up), stopping at either end.

    The siblings are locked (on PostgreSQL) and numbered 0, 1, 2 ... afresh, so two admins
    moving entries at once leave a clean order, never two entries at one position."""
    query = _sibling_query(type(item), _parent_id(item)).with_for_update()
    siblings = sorted(session.scalars(query), key=lambda entry: (entry.position, entry.name, entry.id))
    index = siblings.index(item)
    target = min(max(index + steps, 0), len(siblings) - 1)
    siblings.insert(target, siblings.pop(index))
    for position, entry in enumerate(siblings):
        entry.position = position
    session.flush()


def add_under(session: Session, parent: Group | Category | None, name: str) -> CatalogEntry:
    """A new group (no parent), category (under a group) or subcategory (under a category)."""
    parents = [] if parent is None else [parent.name] if isinstance(parent, Group) else [parent.group.name, parent.name]
    return add_path(session, "/".join([*parents, clean_name(name)]))


def rename(session: Session, item: CatalogItem, name: str) -> None:
    """Rename in place: tickets keep pointing at the same row, so their paths follow."""
    old, item.name = item.name, clean_name(name)
    if any(other != item.id for other in _namesakes(session, item)):
        item.name = old
        raise AlreadyExists(f"{name!r} exists already at that level")


def _ticket_column(kind: type[CatalogItem]) -> InstrumentedAttribute[int | None]:
    if kind is Group:
        return Ticket.group_id
    return Ticket.category_id if kind is Category else Ticket.subcategory_id


def ticket_counts(session: Session, kind: type[CatalogItem], ids: Collection[int]) -> dict[int, int]:
    """Tickets filed under each of these entries, in one query (entries without any are left out)."""
    column = _ticket_column(kind)
    rows = session.execute(select(column, func.count()).where(column.in_(ids)).group_by(column))
    return {item_id: count for item_id, count in rows if item_id is not None}


def tickets_using(session: Session, item: CatalogItem) -> int:
    """How many tickets are filed under `item` (a ticket under a category is under its group too)."""
    return ticket_counts(session, type(item), [item.id]).get(item.id, 0)


def routes_using(session: Session, item: CatalogItem) -> int:
    """How many recipient-address routes lead to `item`."""
    if isinstance(item, Subcategory):
        return 0
    column = RecipientRoute.group_id if isinstance(item, Group) else RecipientRoute.category_id
    return session.scalar(select(func.count()).select_from(RecipientRoute).where(column == item.id)) or 0


def delete_unused(session: Session, item: CatalogItem) -> None:
    """Delete an entry nothing refers to. One that tickets or routes use is only deactivated:
    deleting it would rewrite the history of those tickets (or silently drop the routes)."""
    tickets, routes = tickets_using(session, item), routes_using(session, item)
    if tickets or routes:
        raise InvalidInput(
            f"{item.name!r} is used by {tickets} ticket(s) and {routes} address route(s); deactivate it instead"
        )
    session.delete(item)
    session.flush()


def set_members(session: Session, group: Group, members: list[User]) -> None:
    """The staff who work the group's tickets (and hear of new ones when it notifies)."""
    outsiders = [user.email for user in members if not user.is_staff]
    if outsiders:
        raise InvalidInput(f"only staff can be group members, not {', '.join(outsiders)}")
    group.members = members
    session.flush()
