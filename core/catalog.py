"""Catalog services: the group -> category -> subcategory tree."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import AlreadyExists, InvalidInput, NotFound
from core.models import Category, Group, Subcategory


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    group: Group
    category: Category | None = None
    subcategory: Subcategory | None = None

    @property
    def path(self) -> str:
        items = (self.group, self.category, self.subcategory)
        return "/".join(item.name for item in items if item is not None)


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
        group = Group(name=parts[0], display_name=parts[0])
        session.add(group)
        session.flush()
        return CatalogEntry(group)
    if len(parts) == 2:
        category = Category(group=parent.group, name=parts[1])
        session.add(category)
        session.flush()
        return CatalogEntry(parent.group, category)
    assert parent.category is not None
    subcategory = Subcategory(category=parent.category, name=parts[2])
    session.add(subcategory)
    session.flush()
    return CatalogEntry(parent.group, parent.category, subcategory)
