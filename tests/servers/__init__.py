"""Throwaway real servers (PostgreSQL, Dovecot, Chromium) for the test suite.

Each server lives in its own temp dir, listens on a free port on 127.0.0.1
only, and is killed and removed by ``cleanup()``.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from pathlib import Path

LOCALHOST = "127.0.0.1"


class ServerUnavailable(RuntimeError):
    """The server's binaries are not installed on this machine."""


class ServerError(RuntimeError):
    """The server is installed but misbehaved: did not start, stop or answer as it should."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOCALHOST, 0))
        return int(sock.getsockname()[1])


def log_tail(*paths: Path, lines: int = 30) -> str:
    """The last lines of each existing log file, for error messages."""
    parts = []
    for path in paths:
        if path.exists():
            text = path.read_text(errors="replace").splitlines()[-lines:]
            parts.append(f"--- {path} ---\n" + "\n".join(text))
    return "\n".join(parts) or "(no log written)"


def wait_until(
    ready: Callable[[], bool],
    timeout: float,
    describe: Callable[[], str],
    interval: float = 0.05,
) -> None:
    """Poll ``ready`` until it returns True; raise ServerError after ``timeout`` s.

    ``describe`` is called only on failure, so it can read log files.
    """
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            raise ServerError(f"gave up waiting after {timeout:.0f}s\n{describe()}")
        time.sleep(interval)
