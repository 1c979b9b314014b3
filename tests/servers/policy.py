"""Skip or fail when a real server is missing.

On a laptop a missing PostgreSQL, Dovecot or Chromium skips the tests that
need it; CI installs them and sets ``POSTDESK_REQUIRE_SERVICES=1``, so there
a missing one fails instead of passing quietly with nothing tested.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def require_services() -> bool:
    return os.environ.get("POSTDESK_REQUIRE_SERVICES") == "1"


def unavailable(reason: str) -> NoReturn:
    if require_services():
        pytest.fail(f"{reason} (POSTDESK_REQUIRE_SERVICES=1)", pytrace=False)
    pytest.skip(reason)
