"""Sign-in throttling: 5 failures for an address or 20 from an IP within 15 minutes pause
sign-in there (429, even with the right password); a successful sign-in clears the address."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from core.db import unit_of_work
from core.login_throttle import EMAIL_LIMIT, IP_LIMIT
from core.models import LoginFailure, User, utcnow
from core.password_reset import make_token
from core.runtime import Runtime
from tests.test_web_auth import PASSWORD
from tests.web_helpers import AGENT, CLIENT, add_people, csrf, make_app, post, text


@pytest.fixture
def ids(runtime: Runtime) -> dict[str, int]:
    return add_people(runtime)


@pytest.fixture
def app(runtime: Runtime, ids: dict[str, int]) -> Flask:
    return make_app(runtime)


def _from(app: Flask, ip: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ip
    return client


def _attempt(client: FlaskClient, email: str, password: str = "wrong password") -> tuple[int, str]:
    form = {"csrf_token": csrf(client), "email": email, "password": password}
    response = client.post("/login", data=form)
    return response.status_code, response.headers.get("Location", "")


def _fail(client: FlaskClient, email: str, times: int) -> None:
    for _ in range(times):
        assert _attempt(client, email)[0] == 200


def _failures(runtime: Runtime, email: str) -> int:
    with runtime.sessions() as session:
        return session.scalar(select(func.count()).select_from(LoginFailure).where(LoginFailure.email == email)) or 0


def test_five_failures_lock_the_address_even_for_the_right_password(app: Flask) -> None:
    client = _from(app, "10.0.0.1")
    _fail(client, AGENT, EMAIL_LIMIT)
    form = {"csrf_token": csrf(client), "email": AGENT.upper(), "password": PASSWORD}
    locked = client.post("/login", data=form)
    assert locked.status_code == 429
    assert 0 < int(locked.headers["Retry-After"]) <= 15 * 60 + 1
    assert "too many failed sign-ins for this account. Try again in 15 minutes" in text(locked)
    assert client.get("/admin/tickets").status_code == 302, "not signed in"
    assert _attempt(_from(app, "10.0.0.2"), AGENT, PASSWORD)[0] == 429, "the lock is on the address, from anywhere"
    assert _attempt(client, CLIENT, PASSWORD) == (302, "/portal/tickets"), "other addresses are not locked"


def test_twenty_failures_from_one_ip_lock_that_ip(app: Flask) -> None:
    attacker = _from(app, "10.6.6.6")
    for n in range(IP_LIMIT):
        assert _attempt(attacker, f"guess{n % 4}@corp.example")[0] == 200
    status, _ = _attempt(attacker, CLIENT, PASSWORD)
    assert status == 429
    assert _attempt(_from(app, "10.0.0.7"), CLIENT, PASSWORD) == (302, "/portal/tickets")


def test_a_successful_sign_in_clears_the_address(runtime: Runtime, app: Flask) -> None:
    client = _from(app, "10.0.0.1")
    _fail(client, AGENT, EMAIL_LIMIT - 1)
    assert _attempt(client, AGENT, PASSWORD) == (302, "/admin/tickets")
    assert _failures(runtime, AGENT) == 0
    other = _from(app, "10.0.0.1")
    _fail(other, AGENT, EMAIL_LIMIT - 1)
    assert _attempt(other, AGENT, PASSWORD)[0] == 302


def test_the_lock_lifts_when_the_failures_are_15_minutes_old(runtime: Runtime, app: Flask) -> None:
    client = _from(app, "10.0.0.1")
    _fail(client, AGENT, EMAIL_LIMIT)
    assert _attempt(client, AGENT, PASSWORD)[0] == 429
    with unit_of_work(runtime.sessions) as session:
        session.execute(update(LoginFailure).values(at=utcnow() - timedelta(minutes=15, seconds=1)))
    assert _attempt(client, AGENT, PASSWORD) == (302, "/admin/tickets")


def test_refused_attempts_do_not_extend_the_lock(runtime: Runtime, app: Flask) -> None:
    client = _from(app, "10.0.0.1")
    _fail(client, AGENT, EMAIL_LIMIT)
    for _ in range(3):
        assert _attempt(client, AGENT)[0] == 429
    assert _failures(runtime, AGENT) == EMAIL_LIMIT


def test_setting_a_new_password_by_a_reset_link_clears_the_lock(
    runtime: Runtime, ids: dict[str, int], app: Flask
) -> None:
    client = _from(app, "10.0.0.1")
    _fail(client, AGENT, EMAIL_LIMIT)
    with runtime.sessions() as session:
        token = make_token(runtime.settings.secret_key, session.get_one(User, ids[AGENT]))
    new = "a brand new passphrase"
    assert post(client, f"/reset-password/{token}", password=new, repeat=new).status_code == 302
    assert _attempt(client, AGENT, new) == (302, "/admin/tickets")
