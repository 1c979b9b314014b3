"""Shared pytest configuration.

- tests/servers/fixtures.py: real throwaway servers (PostgreSQL, Dovecot, Chromium).
- tests/db_fixtures.py: a migrated database per test, on SQLite and on PostgreSQL.
- tests/mail_fixtures.py: the SMTP/LMTP receiver on 127.0.0.1 and mail builders.
- tests/relay.py: a real SMTP relay (aiosmtpd) that records what the worker delivers.
- tests/browser_fixtures.py: the app on a live 127.0.0.1 server and a Chromium page."""

from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher, profiles

pytest_plugins = ["tests.servers.fixtures", "tests.db_fixtures", "tests.mail_fixtures", "tests.relay", "tests.browser_fixtures"]


@pytest.fixture(autouse=True, scope="session")
def cheapest_password_hashing() -> Iterator[None]:
    """argon2 with argon2-cffi's CHEAPEST profile, made for test suites: the suite creates and
    signs in thousands of users, and the production parameters cost 150 ms a hash (most of a
    web test's time). tests/test_passwords.py checks the production parameters, in a process
    of their own, and the upgrade of a cheaper hash at sign-in."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("core.passwords._hasher", PasswordHasher.from_parameters(profiles.CHEAPEST))
        yield
