"""Debian's Chromium for Playwright (``playwright install`` cannot download here).

Use as ``playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)``.
"""

from __future__ import annotations

import os

from tests.servers import ServerUnavailable

CHROMIUM = "/usr/bin/chromium"

# --no-sandbox: the suite runs as root, where Chromium's sandbox refuses to start.
# The rest keep a test browser from reaching out to the network on its own.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    if not os.access(CHROMIUM, os.X_OK):
        raise ServerUnavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    return CHROMIUM
