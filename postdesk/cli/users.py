"""`postdesk user ...`: staff and employee accounts."""

from __future__ import annotations

import sys

import click

from core.db import unit_of_work
from core.runtime import Runtime
from core.users import add_user, parse_role
from postdesk.cli._context import pass_runtime


@click.group("user")
def user_group() -> None:
    """Users: admins, agents and clients."""


@user_group.command("add")
@click.argument("email")
@click.option("--role", required=True, help="admin, agent or client")
@click.option("--name", default="", help="Display name.")
@click.option("--department", default="")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@pass_runtime
def user_add(rt: Runtime, email: str, role: str, name: str, department: str, password_stdin: bool) -> None:
    """Create a user. Without a password the user can only write mail (or claim an account later)."""
    parsed_role = parse_role(role)
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    if password_stdin and not password:
        raise click.UsageError("--password-stdin given but stdin held no password")
    with unit_of_work(rt.sessions) as session:
        user = add_user(session, email, role=parsed_role, name=name, department=department, password=password)
        click.echo(f"added {user.role.value} {user.email}")


def register(group: click.Group) -> None:
    group.add_command(user_group)
