"""Shared pytest configuration.

- tests/servers/fixtures.py: real throwaway servers (PostgreSQL, Dovecot, Chromium).
- tests/db_fixtures.py: a migrated database per test, on SQLite and on PostgreSQL.
- tests/mail_fixtures.py: the SMTP/LMTP receiver on 127.0.0.1 and mail builders.
- tests/relay.py: a real SMTP relay (aiosmtpd) that records what the worker delivers.
- tests/browser_fixtures.py: the app on a live 127.0.0.1 server and a Chromium page."""

pytest_plugins = ["tests.servers.fixtures", "tests.db_fixtures", "tests.mail_fixtures", "tests.relay", "tests.browser_fixtures"]
