"""Signing in and out of the web panel, CSRF, security headers, /healthz and API errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from core.config import load_settings
from core.db import unit_of_work
from core.models import Role
from core.passwords import hash_password
from core.runtime import Runtime
from core.users import add_user, get_user, mail_user
from tests.db_fixtures import environment_for
from webadmin import create_app

PASSWORD = "correct horse battery staple"


@pytest.fixture
def app(runtime: Runtime) -> Flask:
    app = create_app(runtime)
    app.config["TESTING"] = True
    return app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def make_user(runtime: Runtime, email: str, role: Role, password: str | None = PASSWORD) -> None:
    with unit_of_work(runtime.sessions) as session:
        add_user(session, email, role=role, password=password)


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"', page)
    assert match, page
    return match.group(1)


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD, next_url: str = "") -> str:
    """Submit the login form; the redirect target, or '' when the form came back."""
    form = {"csrf_token": csrf_token(client), "email": email, "password": password, "next": next_url}
    response = client.post("/login", data=form)
    return response.headers.get("Location", "")


def test_agent_signs_in_and_lands_on_the_ticket_list(runtime: Runtime, client: FlaskClient) -> None:
    make_user(runtime, "agent@corp.example", Role.AGENT)
    assert sign_in(client, "Agent@Corp.Example") == "/admin/tickets"
    assert client.get("/admin/tickets").status_code == 200
    assert client.get("/").headers["Location"] == "/admin/tickets"


def test_client_lands_on_the_portal(runtime: Runtime, client: FlaskClient) -> None:
    make_user(runtime, "alice@corp.example", Role.CLIENT)
    assert sign_in(client, "alice@corp.example") == "/portal/tickets"


@pytest.mark.parametrize("email, password", [("agent@corp.example", "wrong"), ("nobody@corp.example", PASSWORD)])
def test_wrong_credentials_get_one_generic_message(
    runtime: Runtime, client: FlaskClient, email: str, password: str
) -> None:
    make_user(runtime, "agent@corp.example", Role.AGENT)
    form = {"csrf_token": csrf_token(client), "email": email, "password": password}
    response = client.post("/login", data=form)
    assert response.status_code == 200
    assert "Wrong email or password." in response.get_data(as_text=True)
    assert client.get("/admin/tickets").status_code == 302


def test_inactive_user_cannot_sign_in(runtime: Runtime, client: FlaskClient) -> None:
    make_user(runtime, "gone@corp.example", Role.AGENT)
    with unit_of_work(runtime.sessions) as session:
        get_user(session, "gone@corp.example").active = False
    assert sign_in(client, "gone@corp.example") == ""


def test_mail_only_user_has_no_password_and_cannot_sign_in(runtime: Runtime, client: FlaskClient) -> None:
    with unit_of_work(runtime.sessions) as session:
        mail_user(session, "mailonly@corp.example")
    assert sign_in(client, "mailonly@corp.example", "") == ""
    assert sign_in(client, "mailonly@corp.example", "anything") == ""


def test_post_without_csrf_token_is_rejected(runtime: Runtime, client: FlaskClient) -> None:
    make_user(runtime, "agent@corp.example", Role.AGENT)
    response = client.post("/login", data={"email": "agent@corp.example", "password": PASSWORD})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    assert client.get("/admin/tickets").status_code == 302


def test_anonymous_visitor_is_sent_to_login_and_back(runtime: Runtime, client: FlaskClient) -> None:
    make_user(runtime, "agent@corp.example", Role.AGENT)
    response = client.get("/admin/tickets?status=new")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    login_page = client.get(response.headers["Location"]).get_data(as_text=True)
    next_value = re.search(r'name="next" type="hidden" value="([^"]*)"', login_page)
    assert next_value and next_value.group(1) == "/admin/tickets?status=new"
    assert sign_in(client, "agent@corp.example", next_url="/admin/tickets?status=new") == "/admin/tickets?status=new"


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)", "/\t/evil.example", "admin"],
)
def test_next_never_leaves_the_site(runtime: Runtime, client: FlaskClient, target: str) -> None:
    make_user(runtime, "agent@corp.example", Role.AGENT)
    assert sign_in(client, "agent@corp.example", next_url=target) == "/admin/tickets"


def test_logout_needs_post_with_token(runtime: Runtime, client: FlaskClient) -> None:
    make_user(runtime, "agent@corp.example", Role.AGENT)
    sign_in(client, "agent@corp.example")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/admin/tickets")})
    assert response.headers["Location"] == "/login"
    assert client.get("/admin/tickets").status_code == 302


def test_deactivating_or_new_password_ends_the_session(runtime: Runtime, app: Flask) -> None:
    make_user(runtime, "a@corp.example", Role.AGENT)
    make_user(runtime, "b@corp.example", Role.AGENT)
    first, second = app.test_client(), app.test_client()
    sign_in(first, "a@corp.example")
    sign_in(second, "b@corp.example")
    with unit_of_work(runtime.sessions) as session:
        get_user(session, "a@corp.example").active = False
        get_user(session, "b@corp.example").password_hash = hash_password("a new one")
    assert first.get("/admin/tickets").status_code == 302
    assert second.get("/admin/tickets").status_code == 302


def test_security_headers_and_cookie_flags(client: FlaskClient) -> None:
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "img-src 'self' data:",
        "style-src 'self'",
        "script-src 'self'",
        "frame-ancestors 'none'",
    ):
        assert directive in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("postdesk_session=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "<script>" not in response.get_data(as_text=True)


def test_healthz(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert (response.status_code, response.get_json()) == (200, {"status": "ok"})


def test_healthz_and_pages_when_the_database_is_gone(tmp_path: Path) -> None:
    settings = load_settings(environment_for(tmp_path, f"sqlite:///{tmp_path}/missing/dir/db.sqlite3"))
    app = create_app(Runtime(settings))
    client = app.test_client()
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.get_json() == {"status": "unavailable", "database": "unreachable"}
    page = client.post("/login", data={"email": "x@corp.example", "password": "x"})
    assert page.status_code == 400  # the CSRF check comes before any database work
    form = {"csrf_token": csrf_token(client), "email": "x@corp.example", "password": "x"}
    down = client.post("/login", data=form)
    assert down.status_code == 503
    assert "cannot be reached" in down.get_data(as_text=True)


def test_api_paths_get_json_errors(client: FlaskClient) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
