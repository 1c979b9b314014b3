"""A small process supervisor for `postdesk run`: start the children, pass on Ctrl-C/SIGTERM,
and stop them all when one of them dies (a half-running helpdesk is worse than a stopped one)."""

from __future__ import annotations

import signal
import subprocess
import time
from dataclasses import dataclass

GRACE_SECONDS = 10.0


@dataclass
class Child:
    name: str
    argv: list[str]
    process: subprocess.Popen[bytes] | None = None


def _stop_all(children: list[Child]) -> None:
    running = [child.process for child in children if child.process and child.process.poll() is None]
    for process in running:
        process.terminate()
    deadline = time.monotonic() + GRACE_SECONDS
    for process in running:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()


def supervise(children: list[Child]) -> int:
    """Run until a signal or a child's death; return the exit status for the parent."""
    stopping: list[int] = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda number, _frame: stopping.append(number))
    for child in children:
        child.process = subprocess.Popen(child.argv)
    try:
        while not stopping:
            for child in children:
                assert child.process is not None
                if child.process.poll() is not None:
                    print(f"postdesk: {child.name} exited with status {child.process.returncode}; stopping", flush=True)
                    return 1
            time.sleep(0.5)
        return 0
    finally:
        _stop_all(children)
