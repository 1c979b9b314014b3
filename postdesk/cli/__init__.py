"""`postdesk`: one command line for setup, administration and every process of DESIGN.md."""

from __future__ import annotations

import sys
from typing import Any

import click

from core.config import ConfigError
from core.db import DatabaseUnavailable, is_unavailable
from core.errors import DomainError

EXIT_FAILURE = 1
EXIT_USAGE = 2


class PostdeskGroup(click.Group):
    """Turns the errors a user can cause into one readable line and a fitting exit status."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConfigError as error:
            fail(f"configuration: {error}", EXIT_FAILURE)
        except DomainError as error:
            fail(str(error), EXIT_USAGE)
        except Exception as error:
            if is_unavailable(error):
                fail(_unavailable_line(error), EXIT_FAILURE)
            raise


def _unavailable_line(error: BaseException) -> str:
    if isinstance(error, DatabaseUnavailable):
        return str(error)
    orig = getattr(error, "orig", None) or error
    first_line = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
    return f"cannot reach the database: {first_line}"


def fail(message: str, status: int) -> None:
    click.echo(f"postdesk: {message}", err=True)
    sys.exit(status)


@click.group(cls=PostdeskGroup)
def main() -> None:
    """Postdesk, the email-driven IT helpdesk."""


def _register() -> None:
    from postdesk.cli import backup, catalog, database, inbound, ingest, mailbox, outbox, processes, rules, tickets, transfer, users

    for module in (database, users, catalog, tickets, ingest, inbound, mailbox, outbox, rules, processes, backup, transfer):
        module.register(main)


_register()
