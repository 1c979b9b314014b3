"""What a report covers: a range of UTC days and the tickets it looks at (group, category,
agent), and how a long range is folded into weeks or months for its charts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement

from core.errors import InvalidInput
from core.models import Ticket

MAX_DAYS = 3 * 366
"""The longest range a report accepts: three years of days."""


class Bucket(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


@dataclass(frozen=True, slots=True)
class ReportFilter:
    """Days `start`..`end` (both included, UTC) and the tickets to count; None counts all."""

    start: date
    end: date
    group_id: int | None = None
    category_id: int | None = None
    agent_id: int | None = None

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise InvalidInput("the range ends before it starts")
        if self.days > MAX_DAYS:
            raise InvalidInput(f"a report covers at most {MAX_DAYS} days")

    @classmethod
    def last_days(cls, days: int, today: date, **filters: int | None) -> ReportFilter:
        """The `days` days up to and including `today`."""
        return cls(today - timedelta(days=days - 1), today, **filters)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def since(self) -> datetime:
        return day_start(self.start)

    @property
    def until(self) -> datetime:
        """The first instant after the range."""
        return day_start(self.end + timedelta(days=1))

    def ticket_conditions(self) -> list[ColumnElement[bool]]:
        """The WHERE conditions on `tickets` for the group, category and agent filters."""
        conditions: list[ColumnElement[bool]] = []
        if self.group_id is not None:
            conditions.append(Ticket.group_id == self.group_id)
        if self.category_id is not None:
            conditions.append(Ticket.category_id == self.category_id)
        if self.agent_id is not None:
            conditions.append(Ticket.assignee_id == self.agent_id)
        return conditions

    def in_range(self, column: Any) -> list[ColumnElement[bool]]:
        """`since <= column < until`, written so an index on the column serves it."""
        return [column >= self.since, column < self.until]

    def bucket(self) -> Bucket:
        """Days up to three months, weeks up to two years, months beyond."""
        if self.days <= 92:
            return Bucket.DAY
        return Bucket.WEEK if self.days <= 731 else Bucket.MONTH

    def each_day(self) -> Iterable[date]:
        return (self.start + timedelta(days=offset) for offset in range(self.days))


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def bucket_of(day: date, bucket: Bucket) -> date:
    """The first day of the week (Monday) or month that `day` is in; the day itself for DAY."""
    if bucket is Bucket.WEEK:
        return day - timedelta(days=day.weekday())
    if bucket is Bucket.MONTH:
        return day.replace(day=1)
    return day
