"""The users and catalog entries an import file names, looked up once per file."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.catalog import CatalogEntry, catalog_tree
from core.models import User

CHUNK = 500


def users_by_email(session: Session, emails: Iterable[str]) -> dict[str, User]:
    wanted = sorted({email.strip().lower() for email in emails if email.strip()})
    found: dict[str, User] = {}
    for start in range(0, len(wanted), CHUNK):
        found.update((user.email, user) for user in session.scalars(select(User).where(User.email.in_(wanted[start:start + CHUNK]))))
    return found


def catalog_by_path(session: Session) -> dict[tuple[str, ...], CatalogEntry]:
    """Every entry of the catalog (inactive ones too: old tickets used them) by its path's
    parts, lower-cased, so `IT / Hardware` and `it/hardware` find the same entry."""
    entries: dict[tuple[str, ...], CatalogEntry] = {}
    for group in catalog_tree(session, active_only=False):
        entries[(group.name.lower(),)] = CatalogEntry(group)
        for category in group.categories:
            entries[(group.name.lower(), category.name.lower())] = CatalogEntry(group, category)
            for sub in category.subcategories:
                entries[(group.name.lower(), category.name.lower(), sub.name.lower())] = CatalogEntry(group, category, sub)
    return entries


def path_key(path: str) -> tuple[str, ...]:
    return tuple(part.strip().lower() for part in path.split("/"))
