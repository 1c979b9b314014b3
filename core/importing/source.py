"""Rows of an uploaded CSV or XLSX file, each with the row number a spreadsheet shows.

Headers are matched loosely (`Created at`, `created_at` and ` CREATED_AT ` are one column).
CSV must be UTF-8 (a byte order mark is fine); a cell that the exporter escaped against CSV
injection (core.export.cells) is read back as it was. XLSX cells keep their types: times as
datetimes, numbers as numbers. Rows with nothing in them are skipped; their numbers are not
reused, so the numbers still match the file."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from core.errors import InvalidInput
from core.export.cells import unescape

Cell = Any


@dataclass(frozen=True, slots=True)
class SourceRow:
    number: int
    cells: dict[str, Cell]

    def text(self, column: str) -> str:
        """The cell as stripped text; empty for a missing or empty cell."""
        value = self.cells.get(column)
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value).strip()


@dataclass(frozen=True, slots=True)
class SourceTable:
    columns: tuple[str, ...]
    rows: list[SourceRow]


def column_key(header: Any) -> str:
    return "_".join(str(header or "").strip().lower().split())


def read_table(data: bytes, filename: str, *, sheet: str | None = None) -> SourceTable:
    """The file's rows; InvalidInput (one readable line) for a file that is neither."""
    if filename.lower().endswith(".xlsx"):
        return _from_rows(_xlsx_rows(data, sheet))
    if filename.lower().endswith(".csv"):
        return _from_rows(_csv_rows(data))
    raise InvalidInput(f"{filename or 'the file'}: choose a .csv or .xlsx file")


def _csv_rows(data: bytes) -> Iterator[list[Cell]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidInput(f"the CSV file is not UTF-8 (byte {error.start}); save it as 'CSV UTF-8'") from None
    try:
        for row in csv.reader(io.StringIO(text, newline="")):
            yield [unescape(cell) for cell in row]
    except csv.Error as error:
        raise InvalidInput(f"the CSV file cannot be read: {error}") from None


def _xlsx_rows(data: bytes, sheet: str | None) -> Iterator[list[Cell]]:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError) as error:
        raise InvalidInput(f"the XLSX file cannot be read: {error}") from None
    try:
        worksheet = workbook[sheet] if sheet and sheet in workbook.sheetnames else workbook.worksheets[0]
        for row in worksheet.iter_rows(values_only=True):
            yield list(row)
    finally:
        workbook.close()


def _from_rows(rows: Iterator[list[Cell]]) -> SourceTable:
    header = next(rows, None)
    if not header or not any(cell not in (None, "") for cell in header):
        raise InvalidInput("the file is empty: its first row must name the columns")
    columns = tuple(column_key(cell) for cell in header)
    table = []
    for number, row in enumerate(rows, start=2):
        if not any(cell not in (None, "") and str(cell).strip() for cell in row):
            continue
        cells = {name: value for name, value in zip(columns, row, strict=False) if name}
        table.append(SourceRow(number, cells))
    return SourceTable(tuple(name for name in columns if name), table)
