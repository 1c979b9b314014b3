"""What the portal tests share: people, signed-in clients, form posts with a real CSRF token
(and files), tickets made through the core services, and reading pages back."""

from __future__ import annotations

import html
import io
import re
from collections.abc import Sequence

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from core.catalog import add_path
from core.db import unit_of_work
from core.models import MessageKind, Role, Source
from core.runtime import Runtime
from core.tickets import MessageBody, open_ticket
from core.users import add_user, get_user
from tests.test_web_auth import PASSWORD, sign_in
from tests.web_helpers import make_app

ALICE = "alice@corp.example"
BOB = "bob@corp.example"
CAROL = "carol@corp.example"
ADA = "ada@corp.example"
PEOPLE = {ALICE: Role.CLIENT, BOB: Role.CLIENT, CAROL: Role.CLIENT, ADA: Role.AGENT}
CATALOG = ("IT", "IT/Hardware", "IT/Hardware/Laptops", "IT/Accounts", "Facilities", "Facilities/Keys")

_TOKEN = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')
_FIELD_ERROR = re.compile(r'<p class="field-error" id="([\w-]+)-error">(.*?)</p>', re.DOTALL)

__all__ = ["PASSWORD", "make_app"]


def add_people(runtime: Runtime) -> None:
    """Alice, Bob and Carol (clients) and Ada (an agent), all with PASSWORD, and the catalog."""
    with unit_of_work(runtime.sessions) as session:
        for email, role in PEOPLE.items():
            add_user(session, email, role=role, name=email.split("@")[0].title(), password=PASSWORD)
        for path in CATALOG:
            add_path(session, path)


def signed_in(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, email), f"{email} could not sign in"
    return client


def csrf_token(client: FlaskClient, path: str = "/portal/new") -> str:
    page = client.get(path).get_data(as_text=True)
    match = _TOKEN.search(page)
    assert match, page
    return match.group(1)


def send(
    client: FlaskClient,
    path: str,
    fields: dict[str, str] | None = None,
    files: Sequence[tuple[bytes, str]] = (),
    *,
    token_from: str = "/portal/new",
    with_token: bool = True,
) -> TestResponse:
    """POST a multipart form as the browser sends it, with the session's CSRF token."""
    data: dict[str, object] = dict(fields or {})
    if with_token:
        data["csrf_token"] = csrf_token(client, token_from)
    if files:
        data["files"] = [(io.BytesIO(content), name) for content, name in files]
    return client.post(path, data=data, content_type="multipart/form-data")


def open_as(runtime: Runtime, email: str, title: str, text: str = "Please help.", watchers: Sequence[str] = ()) -> int:
    """A ticket as if it came by mail; its number."""
    with unit_of_work(runtime.sessions) as session:
        ticket = open_ticket(
            session,
            requester=get_user(session, email),
            title=title,
            body=MessageBody(text=text),
            source=Source.EMAIL,
            message_kind=MessageKind.EMAIL_IN,
            watchers=[get_user(session, watcher) for watcher in watchers],
        )
        return ticket.id


def text(response: TestResponse) -> str:
    return html.unescape(response.get_data(as_text=True))


def field_errors(response: TestResponse) -> dict[str, list[str]]:
    """The errors shown next to fields, by field id."""
    found: dict[str, list[str]] = {}
    for field, message in _FIELD_ERROR.findall(response.get_data(as_text=True)):
        found.setdefault(field, []).append(html.unescape(message))
    return found
