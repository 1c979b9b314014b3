"""Printing for people and for scripts (`--json`: one JSON document on stdout)."""

from __future__ import annotations

import json
from typing import Any

import click


def emit_json(document: Any) -> None:
    click.echo(json.dumps(document, ensure_ascii=False, indent=2))


def emit_table(rows: list[list[str]], headers: list[str]) -> None:
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]
    for line in [headers, *rows]:
        click.echo("  ".join(str(cell).ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip())
