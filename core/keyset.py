"""Keyset paging of the newest-first logs (inbound mail, outbox): a page ends at an id, and
the next one starts below it. Unlike OFFSET, the cost of a page does not grow with its depth,
and rows arriving meanwhile do not shift later pages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import InstrumentedAttribute, Session

Row = TypeVar("Row")


def newest_first(
    session: Session,
    model: type[Row],
    key: InstrumentedAttribute[int],
    conditions: Sequence[ColumnElement[bool]],
    limit: int,
    before: int | None,
) -> list[Row]:
    """Up to `limit` rows of `model` that meet `conditions`, highest `key` first; with `before`
    (the last key of the previous page) only those below it."""
    query = select(model).where(*conditions).order_by(key.desc()).limit(limit)
    if before is not None:
        query = query.where(key < before)
    return list(session.scalars(query))
