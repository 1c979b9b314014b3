"""The real-server fixtures themselves: PostgreSQL, Dovecot, Chromium."""

from __future__ import annotations

import functools
import http.server
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest
import sqlalchemy as sa
from imapclient import IMAPClient
from playwright.sync_api import Browser

from tests.servers.dovecot import DovecotServer
from tests.servers.policy import unavailable
from tests.servers.postgres import PostgresServer

MAIL = b"From: a@example.org\r\nTo: help@example.org\r\nSubject: hi\r\n\r\nbody \xc3\xbc\r\n"


# -- policy -------------------------------------------------------------------


def test_unavailable_skips_on_a_laptop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("POSTDESK_REQUIRE_SERVICES", raising=False)
    with pytest.raises(pytest.skip.Exception):
        unavailable("no server")


def test_unavailable_fails_when_services_are_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POSTDESK_REQUIRE_SERVICES", "1")
    with pytest.raises(pytest.fail.Exception):
        unavailable("no server")


# -- PostgreSQL ---------------------------------------------------------------


@pytest.mark.postgres
def test_postgres_round_trips_a_table(postgres_server: PostgresServer) -> None:
    postgres_server.create_database("roundtrip")
    engine = sa.create_engine(postgres_server.url("roundtrip"))
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE t (id int PRIMARY KEY, body text)"))
            conn.execute(sa.text("INSERT INTO t VALUES (1, 'ü')"))
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT body FROM t")).scalar_one() == "ü"
            assert conn.execute(sa.text("SHOW listen_addresses")).scalar_one() == "127.0.0.1"
    finally:
        engine.dispose()
    lingering = postgres_server.connect("roundtrip")
    postgres_server.drop_database("roundtrip")  # terminates the lingering session
    lingering.close()
    with pytest.raises(psycopg2.OperationalError, match="does not exist"):
        postgres_server.connect("roundtrip")


@pytest.mark.postgres
def test_postgres_creates_a_database_from_a_template(postgres_server: PostgresServer) -> None:
    postgres_server.create_database("template_src")
    with postgres_server.connect("template_src") as conn, conn.cursor() as cur:
        cur.execute("CREATE TABLE seeded (id int)")
    conn.close()
    postgres_server.create_database("from_template", template="template_src")
    with postgres_server.connect("from_template") as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM seeded")
        assert cur.fetchone() == (0,)
    conn.close()
    postgres_server.drop_database("from_template")
    postgres_server.drop_database("template_src")


@pytest.mark.postgres
def test_postgres_crash_keeps_committed_data(postgres_server: PostgresServer) -> None:
    postgres_server.create_database("crash")
    with postgres_server.connect("crash") as conn, conn.cursor() as cur:
        cur.execute("CREATE TABLE t (id int)")
        cur.execute("INSERT INTO t VALUES (42)")
    conn.close()
    try:
        postgres_server.stop("immediate")
        with pytest.raises(psycopg2.OperationalError):
            postgres_server.connect("crash")
    finally:
        postgres_server.start()
    with postgres_server.connect("crash") as conn, conn.cursor() as cur:
        cur.execute("SELECT id FROM t")
        assert cur.fetchall() == [(42,)]
    conn.close()
    postgres_server.drop_database("crash")


# -- Dovecot ------------------------------------------------------------------


@pytest.mark.dovecot
def test_dovecot_append_then_fetch_returns_the_bytes(dovecot_server: DovecotServer) -> None:
    dovecot_server.add_user("fetcher", "secret1")
    uid = dovecot_server.append("fetcher", "INBOX", MAIL, flags=[b"\\Flagged"])
    [(got_uid, flags, raw)] = dovecot_server.messages("fetcher", "INBOX")
    assert (got_uid, raw) == (uid, MAIL)
    assert b"\\Flagged" in flags and b"\\Seen" not in flags


@pytest.mark.dovecot
def test_dovecot_refuses_a_wrong_password(dovecot_server: DovecotServer) -> None:
    dovecot_server.add_user("careful", "right")
    imap = IMAPClient(dovecot_server.host, dovecot_server.port, ssl=False, timeout=10)
    try:
        with pytest.raises(IMAPClient.Error):
            imap.login("careful", "wrong")
    finally:
        imap.shutdown()


@pytest.mark.dovecot
def test_dovecot_sees_new_users_and_changed_passwords_at_once(
    dovecot_server: DovecotServer,
) -> None:
    for name in ("burst1", "burst2", "burst3"):  # several in the same second
        dovecot_server.add_user(name, "first")
        with dovecot_server.client(name) as imap:
            imap.noop()
    dovecot_server.add_user("burst1", "second")
    with dovecot_server.client("burst1") as imap:
        imap.noop()


@pytest.mark.dovecot
def test_dovecot_idle_wakes_when_another_connection_appends(
    dovecot_server: DovecotServer,
) -> None:
    dovecot_server.add_user("idler", "secret2")
    with dovecot_server.client("idler") as imap:
        imap.select_folder("INBOX")
        imap.idle()
        started = time.monotonic()
        dovecot_server.append("idler", "INBOX", MAIL)
        responses = imap.idle_check(timeout=10)
        imap.idle_done()
    assert (1, b"EXISTS") in responses
    assert time.monotonic() - started < 5


@pytest.mark.dovecot
def test_dovecot_kick_drops_a_live_connection(dovecot_server: DovecotServer) -> None:
    dovecot_server.add_user("kicked", "secret3")
    with dovecot_server.client("kicked") as imap:
        imap.select_folder("INBOX")
        dovecot_server.kick("kicked")
        with pytest.raises((IMAPClient.AbortError, OSError)):
            imap.noop()
    dovecot_server.append("kicked", "INBOX", MAIL)  # the server itself is still up


# -- Chromium -----------------------------------------------------------------


@pytest.fixture
def local_site(tmp_path: Path) -> Iterator[str]:
    """A static site on 127.0.0.1 served by http.server; yields its base URL."""
    (tmp_path / "index.html").write_text(
        '<!doctype html><meta charset="utf-8"><title>Postdesk ü</title><h1>Tickets</h1>',
        encoding="utf-8",
    )
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.browser
def test_chromium_renders_a_local_page(chromium_browser: Browser, local_site: str) -> None:
    page = chromium_browser.new_page()
    try:
        page.goto(local_site)
        assert page.title() == "Postdesk ü"
        assert page.inner_text("h1") == "Tickets"
    finally:
        page.close()
