"""`postdesk`: one command line for setup, administration and every process of DESIGN.md."""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from core.config import ConfigError
from core.db import DatabaseUnavailable, is_unavailable
from core.errors import DomainError

EXIT_FAILURE = 1
EXIT_USAGE = 2


COMMAND_MODULES: dict[str, str] = {
    "db": "database", "user": "users", "catalog": "catalog", "tickets": "tickets",
    "ingest": "ingest", "inbound": "inbound", "mailbox": "mailbox",
    "worker": "outbox", "outbox": "outbox", "rules": "rules",
    "gateway": "processes", "web": "processes", "run": "processes",
    "backup": "backup", "restore": "backup", "purge": "backup", "jobs": "backup",
    "import": "transfer", "export": "transfer",
}  # fmt: skip
"""Which module of postdesk.cli registers each command. A command's module is imported only
when the command runs: `postdesk ingest`, started by the MTA for every mail, then does not
load Alembic, the backup code or the spreadsheet writers."""


class PostdeskGroup(click.Group):
    """Loads each command on first use, and turns the errors a user can cause into one
    readable line and a fitting exit status."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMAND_MODULES)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = COMMAND_MODULES.get(cmd_name)
        if module is not None and cmd_name not in self.commands:
            importlib.import_module(f"postdesk.cli.{module}").register(self)
        return super().get_command(ctx, cmd_name)

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
