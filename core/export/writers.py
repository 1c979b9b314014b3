"""Rows into CSV (streamed line by line) and into XLSX (one sheet per table)."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from core.export.cells import csv_cell, xlsx_value

BOM = "\ufeff"
SPOOL_BYTES = 8 * 1024 * 1024
"""An XLSX up to this size stays in memory; a bigger one goes to a temporary file."""


def csv_lines(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """A byte order mark (spreadsheet programs need it to read UTF-8), the header, then one
    CSV line per row (RFC 4180: CRLF line ends, quotes as needed), in chunks of about 64 KiB."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


@dataclass(frozen=True, slots=True)
class Sheet:
    name: str
    columns: Sequence[str]
    rows: Iterable[Sequence[Any]]


def _typed_row(sheet: WriteOnlyWorksheet, row: Sequence[Any], *, bold: bool = False) -> list[WriteOnlyCell]:
    cells = []
    for value in row:
        cell = WriteOnlyCell(sheet, value=xlsx_value(value))
        if isinstance(value, str):
            cell.data_type = "s"  # never a formula, whatever the text starts with
        if bold:
            cell.font = Font(bold=True)
        cells.append(cell)
    return cells


def write_xlsx(sheets: Iterable[Sheet], output: BinaryIO) -> None:
    """A workbook with one sheet per table, header row in bold, written to `output`."""
    workbook = Workbook(write_only=True)
    for spec in sheets:
        sheet = workbook.create_sheet(spec.name[:31])
        sheet.append(_typed_row(sheet, spec.columns, bold=True))
        for row in spec.rows:
            sheet.append(_typed_row(sheet, row))
    workbook.save(output)


def xlsx_chunks(sheets: Iterable[Sheet], chunk: int = 64 * 1024) -> Iterator[bytes]:
    """The workbook's bytes, written first to a spooled temporary file (a zip is complete only
    at its end), then read out `chunk` bytes at a time."""
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as output:
        write_xlsx(sheets, output)  # type: ignore[arg-type]
        output.seek(0)
        yield from iter(lambda: output.read(chunk), b"")
