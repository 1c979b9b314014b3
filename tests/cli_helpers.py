"""Run the real `postdesk` command in a subprocess against a test's database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from core.config import Settings
from tests.db_fixtures import environment_for


def postdesk_env(settings: Settings, **extra: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("POSTDESK_")}
    return {**clean, **environment_for(settings.data_dir, settings.database_url, **extra)}


def postdesk(settings: Settings, *args: str, stdin: bytes = b"", cwd: Path | None = None, **extra: str) -> subprocess.CompletedProcess[str]:
    completed = subprocess.run(
        [sys.executable, "-m", "postdesk", *args],
        input=stdin,
        capture_output=True,
        env=postdesk_env(settings, **extra),
        cwd=cwd,
        timeout=120,
        check=False,
    )
    return subprocess.CompletedProcess(
        completed.args, completed.returncode, completed.stdout.decode(), completed.stderr.decode()
    )
