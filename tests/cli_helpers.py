"""Run the `postdesk` command line against a test's database.

`postdesk` runs it in this process through click's test runner: the same code from argument
parsing to exit status as the installed command, without a new interpreter loading the whole
application for each call (that was most of the suite's time in CLI tests). `postdesk_process`
runs the real command in a subprocess, for what only a process shows: the exit status the
MTA sees, stdin from a pipe, a process another one kills."""

from __future__ import annotations

import os
import subprocess
import sys

from click.testing import CliRunner

from core.config import Settings
from postdesk.cli import main
from tests.db_fixtures import environment_for


def postdesk_env(settings: Settings, **extra: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("POSTDESK_")}
    return {**clean, **environment_for(settings.data_dir, settings.database_url, **extra)}


def postdesk(settings: Settings, *args: str, stdin: bytes = b"", **extra: str) -> subprocess.CompletedProcess[str]:
    """The command's exit status, stdout and stderr, run in this process."""
    unset: dict[str, str | None] = {name: None for name in os.environ if name.startswith("POSTDESK_")}
    environment = {**unset, **environment_for(settings.data_dir, settings.database_url, **extra)}
    result = CliRunner().invoke(main, list(args), input=stdin, env=environment, catch_exceptions=False)
    return subprocess.CompletedProcess(["postdesk", *args], result.exit_code, result.stdout, result.stderr)


def postdesk_process(settings: Settings, *args: str, stdin: bytes = b"", **extra: str) -> subprocess.CompletedProcess[str]:
    """The command's exit status, stdout and stderr, run as its own process."""
    completed = subprocess.run(
        [sys.executable, "-m", "postdesk", *args],
        input=stdin,
        capture_output=True,
        env=postdesk_env(settings, **extra),
        timeout=120,
        check=False,
    )
    return subprocess.CompletedProcess(
        completed.args, completed.returncode, completed.stdout.decode(), completed.stderr.decode()
    )
