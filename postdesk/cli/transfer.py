"""`postdesk import tickets|users FILE [--dry-run]` and `postdesk export tickets ...`.

An import prints its problems one per line (`row 4, category: unknown category 'X'`) and
exits 2 without importing anything; a clean import prints the numbers it kept and mapped.
The export writes to --output, or to stdout (CSV and JSON lines only: XLSX is a binary
file, so it needs --output)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO

import click

from core.db import unit_of_work
from core.errors import InvalidInput
from core.export.tickets import Format, Scope, export_chunks
from core.importing.report import ImportReport
from core.importing.source import read_table
from core.importing.tickets import import_tickets
from core.importing.users import import_users
from core.models import Status
from core.runtime import Runtime
from core.ticket_queries import OPEN_STATUSES, TicketFilter
from core.users import get_user
from postdesk.cli import EXIT_USAGE, fail
from postdesk.cli._context import pass_runtime

IMPORTERS = {"tickets": import_tickets, "users": import_users}


@click.command("import")
@click.argument("kind", type=click.Choice(sorted(IMPORTERS)))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row and report; write nothing.")
@pass_runtime
def import_command(rt: Runtime, kind: str, file: Path, dry_run: bool) -> None:
    """Import tickets or users from a CSV or XLSX FILE: all rows, or none."""
    table = read_table(file.read_bytes(), file.name, sheet=kind)
    importer = IMPORTERS[kind]
    if dry_run:
        with rt.sessions() as session:
            report = importer(session, table, dry_run=True)
    else:
        with unit_of_work(rt.sessions) as session:
            report = importer(session, table, dry_run=False)
    _print_report(report)
    if not report.ok:
        fail(report.summary(), EXIT_USAGE)


def _print_report(report: ImportReport) -> None:
    for problem in report.problems:
        click.echo(str(problem), err=True)
    if report.ignored_columns:
        click.echo(f"columns not used: {', '.join(report.ignored_columns)}", err=True)
    if not report.ok:
        return
    for row, why in report.skipped:
        click.echo(f"row {row}: {why}")
    for mapping in report.numbers:
        theirs = f"#{mapping.theirs}" if mapping.theirs is not None else "(no number)"
        ours = f"#{mapping.ours}" if mapping.ours is not None else "the next free number"
        click.echo(f"row {mapping.row}: {theirs} -> {ours}")
    click.echo(report.summary())


@click.group("export")
def export_group() -> None:
    """Export data."""


def _statuses(values: tuple[str, ...]) -> frozenset[Status]:
    statuses: set[Status] = set()
    for value in values:
        statuses |= OPEN_STATUSES if value == "open" else {Status(value)}
    return frozenset(statuses)


@export_group.command("tickets")
@click.option("--format", "fmt", type=click.Choice([f.value for f in Format]), default="csv", show_default=True)
@click.option("--full", is_flag=True, help="Whole tickets with their conversations (see the README).")
@click.option("--status", "statuses", multiple=True, type=click.Choice(["open", *(s.value for s in Status)]), help="Repeatable.")
@click.option("--assignee", help="Only this staff member's tickets (email).")
@click.option("--created-from", type=click.DateTime(["%Y-%m-%d"]), help="YYYY-MM-DD, UTC.")
@click.option("--created-to", type=click.DateTime(["%Y-%m-%d"]), help="YYYY-MM-DD, UTC, included.")
@click.option("--search", default="", help="The ticket list's search.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True, path_type=Path), help="A file instead of stdout.")
@pass_runtime
def export_tickets(
    rt: Runtime, fmt: str, full: bool, statuses: tuple[str, ...], assignee: str | None,
    created_from: datetime | None, created_to: datetime | None, search: str, output: Path | None,
) -> None:  # fmt: skip
    """The ticket list (or whole tickets, --full) in number order, filtered like the web list."""
    chosen = Format(fmt)
    if chosen is Format.XLSX and output is None:
        raise InvalidInput("XLSX is a binary file: give --output FILE")
    with rt.sessions() as session:
        spec = TicketFilter(
            statuses=_statuses(statuses),
            assignee_id=get_user(session, assignee).id if assignee else None,
            created_from=_day(created_from), created_to=_day(created_to), text=search,
        )  # fmt: skip
        chunks = export_chunks(session, spec, Scope.FULL if full else Scope.LIST, chosen, viewer=None)  # the operator: every ticket
        with click.open_file(str(output) if output is not None else "-", "wb") as target:
            _write(chunks, target)


def _day(moment: datetime | None) -> date | None:
    return moment.date() if moment else None


def _write(chunks: Iterator[bytes], target: BinaryIO) -> None:
    target.writelines(chunks)
    target.flush()


def register(group: click.Group) -> None:
    group.add_command(import_command)
    group.add_command(export_group)
