"""Names for the ids a GROUP BY returns: catalog paths and staff members."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import Category, Group, Subcategory, User
from core.reports.table import NONE_LABEL


def catalog_paths(session: Session, keys: Iterable[tuple[int | None, int | None, int | None]]) -> dict[tuple[int | None, int | None, int | None], str]:
    """`Group / Category / Subcategory` for each (group, category, subcategory) id triple."""
    keys = list(keys)
    names: dict[type, dict[int, str]] = {}
    for position, model in enumerate((Group, Category, Subcategory)):
        ids = {key[position] for key in keys if key[position] is not None}
        rows = session.execute(select(model.id, model.name).where(model.id.in_(ids))) if ids else []
        names[model] = {row.id: row.name for row in rows}
    paths = {}
    for key in keys:
        parts = [names[model].get(item, "?") for model, item in zip((Group, Category, Subcategory), key, strict=True) if item is not None]
        paths[key] = " / ".join(parts) or NONE_LABEL
    return paths


def user_labels(session: Session, ids: Iterable[int | None]) -> dict[int | None, str]:
    """A staff member's name (or address) by id; None is the unassigned."""
    wanted = {item for item in ids if item is not None}
    rows = session.execute(select(User.id, User.name, User.email).where(User.id.in_(wanted))) if wanted else []
    labels: dict[int | None, str] = {row.id: row.name or row.email for row in rows}
    labels[None] = "Unassigned"
    return labels


def group_labels(session: Session, ids: Iterable[int | None]) -> dict[int | None, str]:
    """A group's name by id; None is the tickets without a group."""
    wanted = {item for item in ids if item is not None}
    rows = session.execute(select(Group.id, Group.name).where(Group.id.in_(wanted))) if wanted else []
    labels: dict[int | None, str] = {row.id: row.name for row in rows}
    labels[None] = NONE_LABEL
    return labels
