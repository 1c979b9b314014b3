"""`postdesk db ...`: schema migrations."""

from __future__ import annotations

import click

from core.db import check_connection
from core.migrate import upgrade
from postdesk.cli._context import pass_runtime
from core.runtime import Runtime


@click.group("db")
def db_group() -> None:
    """The database schema."""


@db_group.command("upgrade")
@pass_runtime
def db_upgrade(rt: Runtime) -> None:
    """Create or migrate the schema to the newest revision (safe to run again)."""
    check_connection(rt.engine)
    upgrade(rt.engine)
    click.echo(f"database is up to date: {rt.engine.url.render_as_string(hide_password=True)}")


def register(group: click.Group) -> None:
    group.add_command(db_group)
