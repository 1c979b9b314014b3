"""POSTDESK_TRUSTED_PROXIES over real HTTP: the app served on 127.0.0.1 by a real WSGI server,
spoken to with http.client, so the peer address the app sees is really the socket's.

With 0 (the default) X-Forwarded-For and -Proto are ignored: a client who sends a new address
with each guess is still counted (and locked out) as the one address it connects from. With
1, the address the proxy appended counts, whatever the client put in front of it, and the
forwarded scheme makes the request secure (Flask-WTF then checks the Referer, as for HTTPS)."""

from __future__ import annotations

import http.client
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from core.config import ConfigError, load_settings
from core.db import unit_of_work
from core.login_throttle import IP_LIMIT, record_failure
from core.models import LoginFailure
from core.runtime import Runtime
from tests.browser_fixtures import serving
from tests.db_fixtures import environment_for
from tests.test_web_auth import PASSWORD
from tests.web_helpers import CLIENT, add_people
from webadmin import create_app

_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@dataclass
class Visitor:
    """One visitor over real HTTP: keeps its session cookie, sends the headers it is given."""

    port: int
    cookies: SimpleCookie = field(default_factory=SimpleCookie)

    def request(
        self, method: str, path: str, headers: Mapping[str, str], form: Mapping[str, str] | None = None
    ) -> tuple[int, str]:
        sent = dict(headers)
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={morsel.value}" for name, morsel in self.cookies.items())
        if form is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request(method, path, body=urlencode(form) if form is not None else None, headers=sent)
            response = connection.getresponse()
            page = response.read().decode()
        finally:
            connection.close()
        for cookie in response.headers.get_all("Set-Cookie") or []:
            self.cookies.load(cookie)
        return response.status, page

    def sign_in(self, email: str, password: str, headers: Mapping[str, str]) -> int:
        """Open the login page, then POST it with the session's CSRF token; the POST's status."""
        _status, page = self.request("GET", "/login", headers)
        token = _TOKEN.search(page)
        assert token, page
        form = {"csrf_token": token.group(1), "email": email, "password": password}
        return self.request("POST", "/login", headers, form)[0]


@contextmanager
def served(tmp_path: Path, database_url: str, trusted_proxies: str) -> Iterator[tuple[Runtime, int]]:
    settings = load_settings(
        environment_for(tmp_path / "var", database_url, POSTDESK_TRUSTED_PROXIES=trusted_proxies)
    )
    runtime = Runtime(settings)
    try:
        with serving(create_app(runtime)) as port:
            yield runtime, port
    finally:
        runtime.engine.dispose()


GUESSES = 3
"""Failed sign-ins sent over HTTP; the rest of IP_LIMIT is recorded directly (each real one
costs a password hash), for the address those few were counted under."""


def _failure_ips(runtime: Runtime) -> set[str]:
    with runtime.sessions() as session:
        return set(session.scalars(select(LoginFailure.ip)))


def _guess(visitor: Visitor, headers: Callable[[int], dict[str, str]], runtime: Runtime) -> str:
    """GUESSES wrong passwords over HTTP, each with its own headers, then failures up to
    IP_LIMIT for the one address they were all counted under; that address."""
    for guess in range(GUESSES):
        assert visitor.sign_in(f"guess{guess}@corp.example", "wrong", headers(guess)) == 200
    [address] = _failure_ips(runtime)
    with unit_of_work(runtime.sessions) as session:
        for guess in range(IP_LIMIT - GUESSES):
            record_failure(session, f"more{guess}@corp.example", address)
    return address


def test_without_trusted_proxies_a_forged_x_forwarded_for_changes_nothing(tmp_path: Path, database_url: str) -> None:
    with served(tmp_path, database_url, "") as (runtime, port):
        add_people(runtime)
        attacker = Visitor(port)
        assert _guess(attacker, lambda n: {"X-Forwarded-For": f"198.51.100.{n + 1}"}, runtime) == "127.0.0.1"
        locked = attacker.sign_in(CLIENT, PASSWORD, {"X-Forwarded-For": "203.0.113.250"})
        assert locked == 429, "a fresh forged address does not escape the lock on the real one"


def test_behind_one_proxy_the_address_it_appended_counts(tmp_path: Path, database_url: str) -> None:
    with served(tmp_path, database_url, "1") as (runtime, port):
        add_people(runtime)
        attacker = Visitor(port)
        # The client forges an address; the proxy appends the one it really came from.
        assert _guess(attacker, lambda n: {"X-Forwarded-For": f"10.0.0.{n + 1}, 203.0.113.66"}, runtime) == "203.0.113.66"
        assert attacker.sign_in(CLIENT, PASSWORD, {"X-Forwarded-For": "203.0.113.66"}) == 429
        colleague = Visitor(port)
        assert colleague.sign_in(CLIENT, PASSWORD, {"X-Forwarded-For": "198.51.100.7"}) == 302, (
            "another client behind the same proxy is not locked out"
        )


def test_the_forwarded_scheme_makes_the_request_secure_only_when_trusted(tmp_path: Path, database_url: str) -> None:
    """Over HTTPS Flask-WTF also wants a same-origin Referer: a POST without one is refused."""
    https = {"X-Forwarded-Proto": "https"}
    with served(tmp_path, database_url, "1") as (runtime, port):
        add_people(runtime)
        assert Visitor(port).sign_in(CLIENT, PASSWORD, https) == 400
        referred = {**https, "Referer": f"https://127.0.0.1:{port}/login"}
        assert Visitor(port).sign_in(CLIENT, PASSWORD, referred) == 302
    with served(tmp_path, database_url, "0") as (_runtime, port):
        assert Visitor(port).sign_in(CLIENT, PASSWORD, https) == 302, "the header is ignored: plain HTTP"


@pytest.mark.parametrize("value", ["-1", "two", "1.5"])
def test_a_bad_proxy_count_is_refused_by_name(tmp_path: Path, value: str) -> None:
    with pytest.raises(ConfigError, match="POSTDESK_TRUSTED_PROXIES"):
        load_settings(environment_for(tmp_path, "sqlite:///unused", POSTDESK_TRUSTED_PROXIES=value))


def test_no_proxy_is_trusted_by_default(tmp_path: Path) -> None:
    assert load_settings(environment_for(tmp_path, "sqlite:///unused")).trusted_proxies == 0
