"""`postdesk catalog ...`: the group/category/subcategory tree."""

from __future__ import annotations

import click

from core.catalog import add_path
from core.db import unit_of_work
from core.runtime import Runtime
from postdesk.cli._context import pass_runtime


@click.group("catalog")
def catalog_group() -> None:
    """The service catalog."""


@catalog_group.command("add")
@click.argument("path")
@pass_runtime
def catalog_add(rt: Runtime, path: str) -> None:
    """Add GROUP, GROUP/CATEGORY or GROUP/CATEGORY/SUBCATEGORY (the parent must exist)."""
    with unit_of_work(rt.sessions) as session:
        entry = add_path(session, path)
        click.echo(f"added {entry.path}")


def register(group: click.Group) -> None:
    group.add_command(catalog_group)
