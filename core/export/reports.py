"""A report's tables as CSV (one table) or XLSX (one sheet per table)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from core.export.writers import Sheet, csv_lines, xlsx_chunks
from core.reports.table import Table


def table_csv(table: Table) -> Iterator[str]:
    yield from csv_lines(table.columns, table.rows)


def tables_xlsx(tables: Sequence[Table]) -> bytes:
    return b"".join(xlsx_chunks(Sheet(table.key, table.columns, table.rows) for table in tables))
