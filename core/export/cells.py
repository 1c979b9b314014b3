"""Cell values that are safe in a spreadsheet and read back the same.

A text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula to a
spreadsheet program opening a CSV (CSV injection): such a cell gets one leading `'`, which
spreadsheets show as "text", and which the importer takes off again (`unescape`). In XLSX,
text cells are written as text explicitly, so nothing needs escaping there.

Times are UTC: ISO 8601 with the offset in CSV and JSON; naive UTC datetimes in XLSX (the
format has no time zones; the headers say UTC)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"
XLSX_TEXT_MAX = 32_767
"""The most characters a spreadsheet cell holds; longer text is cut there in XLSX exports."""
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return ESCAPE + value
    return value


def unescape(value: str) -> str:
    """Undo `csv_cell`'s escape: `'=1+1` -> `=1+1`; any other text is returned as it is."""
    if value.startswith(ESCAPE) and value[1:].startswith(FORMULA_START):
        return value[1:]
    return value


def xlsx_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None)
    if isinstance(value, str):
        return _ILLEGAL_XML.sub("", value)[:XLSX_TEXT_MAX]
    return value
