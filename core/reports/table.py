"""What a report hands to the pages and the exports: titled tables, each with a hint of the
chart that shows it best. Durations are hours (two decimals), so a spreadsheet can sum them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

Cell = str | int | float | date | None


class ChartKind(StrEnum):
    LINE = "line"
    BAR = "bar"
    HORIZONTAL_BAR = "horizontal_bar"


@dataclass(frozen=True, slots=True)
class ChartHint:
    """Draw `series` (column indexes) against the labels in column `labels`."""

    kind: ChartKind
    labels: int
    series: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Table:
    key: str
    """A short name, unique within its report: the sheet name and the CSV file's suffix."""
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    chart: ChartHint | None = None


def hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 2)


NONE_LABEL = "(none)"
"""How a missing group, category, channel or assignee is named in a table."""
