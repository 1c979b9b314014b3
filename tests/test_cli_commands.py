"""The command table of postdesk.cli: each command is loaded from the module that defines it,
and loading one command does not drag in the others' dependencies."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import click

from postdesk.cli import COMMAND_MODULES


def test_the_table_names_every_command_of_every_module_and_only_those() -> None:
    registered: dict[str, str] = {}
    modules = sorted({path.stem for path in Path(importlib.import_module("postdesk.cli").__path__[0]).glob("*.py")})
    for module in modules:
        loaded = importlib.import_module(f"postdesk.cli.{module}")
        if hasattr(loaded, "register"):
            group = click.Group()
            loaded.register(group)
            registered.update(dict.fromkeys(group.commands, module))
    assert registered == COMMAND_MODULES


def test_the_mail_pipe_command_loads_neither_alembic_nor_the_spreadsheet_writers() -> None:
    probe = (
        "import sys\n"
        "from postdesk.cli import main\n"
        "main.get_command(None, 'ingest')\n"
        "print(' '.join(sorted(name for name in ('alembic', 'openpyxl', 'core.backup', 'postdesk.cli.transfer') if name in sys.modules)))\n"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == ""
