"""What an import run reports: every problem with its row, the ticket numbers it kept or
mapped, and how many rows it wrote."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from core.errors import DomainError
from core.importing.source import SourceTable

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RowProblem:
    row: int
    """The row as a spreadsheet numbers it: the header is row 1."""
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}" + (f", {self.column}" if self.column else "")
        return f"{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class NumberMapping:
    row: int
    theirs: int | None
    """The number in the file; None when the row gave none."""
    ours: int | None
    """The number the ticket has (or would have) here; None in a dry run for a ticket that will get the next free number."""


@dataclass(slots=True)
class ImportReport:
    kind: str
    dry_run: bool
    rows: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    imported: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)
    """(row, why) of rows left out on purpose, e.g. a user who exists already."""
    numbers: list[NumberMapping] = field(default_factory=list)
    ignored_columns: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems

    def problem(self, row: int, column: str | None, message: str) -> None:
        self.problems.append(RowProblem(row, column, message))

    def parsed(self, row: int, column: str, parse: Callable[[], T], fallback: T) -> T:
        """`parse()`, or `fallback` with the refusal recorded as this row's problem."""
        try:
            return parse()
        except (DomainError, ValueError) as error:
            self.problem(row, column, str(error))
            return fallback

    def summary(self) -> str:
        if self.problems:
            return f"{len(self.problems)} problem(s) in {self.rows} row(s); nothing was imported."
        if self.dry_run:
            return f"{self.rows} row(s) checked, no problems: {self.rows - len(self.skipped)} {self.kind} would be imported."
        return f"Imported {self.imported} {self.kind} from {self.rows} row(s)."


def check_columns(table: SourceTable, report: ImportReport, required: tuple[str, ...], known: tuple[str, ...]) -> bool:
    """Required columns present and at least one row; unknown columns are noted, not refused."""
    for column in required:
        if column not in table.columns:
            report.problem(1, column, f"the column {column!r} is missing")
    report.ignored_columns = tuple(column for column in table.columns if column not in known)
    if not table.rows:
        report.problem(2, None, "the file has no rows below its header")
    return report.ok
