"""Helpers for the web tests of the operations and settings pages: signed-in test clients
for each role, and POSTs that carry a real CSRF token of the client's own session."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from core.db import unit_of_work
from core.models import Role
from core.runtime import Runtime
from core.users import add_user
from tests.test_web_auth import PASSWORD, sign_in
from webadmin import create_app

ADMIN = "root@corp.example"
AGENT = "agent@corp.example"
CLIENT = "alice@corp.example"
PEOPLE = {ADMIN: Role.ADMIN, AGENT: Role.AGENT, CLIENT: Role.CLIENT}

_TOKEN = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')
_FLASH = re.compile(r'<p class="flash flash-(\w+)" role="status">(.*?)</p>', re.S)


def make_app(runtime: Runtime) -> Flask:
    app = create_app(runtime)
    app.config["TESTING"] = True
    return app


def add_people(runtime: Runtime) -> dict[str, int]:
    """An admin, an agent and a client, all with PASSWORD; their ids by address."""
    with unit_of_work(runtime.sessions) as session:
        users = {email: add_user(session, email, role=role, name=email.split("@")[0].title(), password=PASSWORD)
                 for email, role in PEOPLE.items()}
        return {email: user.id for email, user in users.items()}


def client_for(app: Flask, email: str | None) -> FlaskClient:
    """A test client signed in as `email` (None: anonymous)."""
    client = app.test_client()
    if email is not None:
        assert sign_in(client, email), f"{email} could not sign in"
    return client


def csrf(client: FlaskClient) -> str:
    """A CSRF token for this client's session, from a public page with a form."""
    page = client.get("/forgot-password").get_data(as_text=True)
    match = _TOKEN.search(page)
    assert match, page
    return match.group(1)


def post(
    client: FlaskClient, path: str, data: Mapping[str, str | list[str]] | None = None, *, follow: bool = False,
    **fields: str | list[str],
) -> TestResponse:
    """POST the form (`data` and/or keyword `fields`) with the client's CSRF token."""
    return client.post(path, data={"csrf_token": csrf(client), **(data or {}), **fields}, follow_redirects=follow)


def flashes(response: TestResponse) -> list[tuple[str, str]]:
    """The (kind, text) of the flash messages on a page."""
    return [(kind, html.unescape(text.strip())) for kind, text in _FLASH.findall(response.get_data(as_text=True))]


def text(response: TestResponse) -> str:
    return html.unescape(response.get_data(as_text=True))
