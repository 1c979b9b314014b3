"""Session-scoped fixtures for the real servers, torn down even when tests fail.

A missing server skips the tests that use it, or fails them under
``POSTDESK_REQUIRE_SERVICES=1`` (see policy.py).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.servers import ServerUnavailable
from tests.servers.chromium import CHROMIUM_ARGS, chromium_path
from tests.servers.dovecot import DovecotServer
from tests.servers.policy import unavailable
from tests.servers.postgres import PostgresServer


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    try:
        server = PostgresServer()
    except ServerUnavailable as exc:
        unavailable(str(exc))
    try:
        server.start()
        yield server
    finally:
        server.cleanup()


@pytest.fixture(scope="session")
def dovecot_server() -> Iterator[DovecotServer]:
    """A Dovecot with no users yet: each test adds its own with ``add_user``."""
    try:
        server = DovecotServer()
    except ServerUnavailable as exc:
        unavailable(str(exc))
    try:
        server.start()
        yield server
    finally:
        server.cleanup()


@pytest.fixture(scope="session")
def chromium_browser() -> Iterator[Browser]:
    try:
        executable = chromium_path()
    except ServerUnavailable as exc:
        unavailable(str(exc))
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    finally:
        playwright.stop()
