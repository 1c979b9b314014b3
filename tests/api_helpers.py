"""What the API tests share: people and a catalog, an app, bearer tokens (by signing in or a
personal token), and tickets made through the core services."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from core.api_tokens import create_token
from core.catalog import add_path
from core.db import unit_of_work
from core.models import MessageKind, Role, Source
from core.runtime import Runtime
from core.tickets import MessageBody, open_ticket
from core.users import add_user, get_user
from tests.test_web_auth import PASSWORD
from tests.web_helpers import make_app

ADMIN = "root@corp.example"
AGENT = "agent@corp.example"
ALICE = "alice@corp.example"
BOB = "bob@corp.example"
PEOPLE = {ADMIN: Role.ADMIN, AGENT: Role.AGENT, ALICE: Role.CLIENT, BOB: Role.CLIENT}
CATALOG = ("IT", "IT/Hardware", "IT/Hardware/Laptops", "IT/Accounts", "Facilities")
API = "/api/v1"

__all__ = ["PASSWORD", "make_app"]


def add_people(runtime: Runtime, *, passwords: bool = False) -> dict[str, int]:
    """Root (admin), Agent, Alice and Bob (clients) and the catalog; ids by address. With
    `passwords` they all have PASSWORD (argon2 costs time: only for tests that sign in)."""
    with unit_of_work(runtime.sessions) as session:
        ids = {}
        for email, role in PEOPLE.items():
            name = email.split("@")[0].title()
            ids[email] = add_user(session, email, role=role, name=name, password=PASSWORD if passwords else None).id
        for path in CATALOG:
            add_path(session, path)
        return ids


def personal_token(runtime: Runtime, email: str, name: str = "script") -> str:
    with unit_of_work(runtime.sessions) as session:
        user = get_user(session, email)
        return create_token(session, user, name, created_by=user).secret


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD) -> TestResponse:
    return client.post(f"{API}/auth/login", json={"email": email, "password": password})


def access_token(client: FlaskClient, email: str) -> str:
    response = sign_in(client, email)
    assert response.status_code == 200, response.get_json()
    token: str = response.get_json()["access_token"]
    return token


def open_as(runtime: Runtime, email: str, title: str, text: str = "Please help.", watchers: tuple[str, ...] = ()) -> int:
    """A ticket as if it came by mail; its number."""
    with unit_of_work(runtime.sessions) as session:
        ticket = open_ticket(
            session, requester=get_user(session, email), title=title, body=MessageBody(text=text),
            source=Source.EMAIL, message_kind=MessageKind.EMAIL_IN,
            watchers=[get_user(session, watcher) for watcher in watchers],
        )  # fmt: skip
        return ticket.id


def error_of(response: TestResponse) -> dict[str, Any]:
    """The `error` object of a JSON error answer (asserting the shape)."""
    body = response.get_json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "fields"}, body
    error: dict[str, Any] = body["error"]
    return error
