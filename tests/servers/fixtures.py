"""Session-scoped fixtures for the real servers, torn down even when tests fail.

A missing server skips the tests that use it, or fails them under
``POSTDESK_REQUIRE_SERVICES=1`` (see policy.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Protocol, TypeVar

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.servers import ServerUnavailable
from tests.servers.chromium import CHROMIUM_ARGS, chromium_path
from tests.servers.dovecot import DovecotServer
from tests.servers.policy import unavailable
from tests.servers.postgres import PostgresServer


class _Startable(Protocol):
    def start(self) -> None: ...

    def cleanup(self) -> None: ...


Server = TypeVar("Server", bound=_Startable)


def _running(factory: Callable[[], Server]) -> Iterator[Server]:
    """Start a throwaway server for the session; skip (or, in CI, fail) when it is missing."""
    try:
        server = factory()
    except ServerUnavailable as exc:
        unavailable(str(exc))
    try:
        server.start()
        yield server
    finally:
        server.cleanup()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    yield from _running(PostgresServer)


@pytest.fixture(scope="session")
def dovecot_server() -> Iterator[DovecotServer]:
    """A Dovecot with no users yet: each test adds its own with ``add_user``."""
    yield from _running(DovecotServer)


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
