"""The wheel carries the templates and the migrations, so an installed copy works too."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_contains_templates_and_migrations(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(tmp_path), str(ROOT)],
        check=True, capture_output=True, timeout=300,
    )
    [wheel] = tmp_path.glob("postdesk-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "templates/email/ticket_received.txt" in names
    assert "templates/base.html" in names
    assert any(name.startswith("core/migrations/versions/0001") for name in names)
    assert "core/migrations/env.py" in names
    assert "webadmin/static/postdesk.css" in names
    entry_points = next(name for name in names if name.endswith("entry_points.txt"))
    assert "postdesk = postdesk.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
