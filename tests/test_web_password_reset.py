"""Forgot password: a mailed link, through the outbox and a real relay, that sets a new password
once, not twice, and not after an hour; and the same answer for addresses without an account."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from core.config import Settings, load_settings
from core.db import unit_of_work
from core.models import OutboxMessage, User, utcnow
from core.password_reset import make_token
from core.runtime import Runtime
from postdesk.worker.delivery import deliver_due
from postdesk.worker.transports import SmtpRelay
from tests.db_fixtures import environment_for
from tests.relay import Relay
from tests.test_web_auth import PASSWORD, sign_in
from tests.web_helpers import AGENT, CLIENT, add_people, client_for, flashes, make_app, post, text

NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
def ids(runtime: Runtime) -> dict[str, int]:
    return add_people(runtime)


@pytest.fixture
def app(runtime: Runtime, ids: dict[str, int]) -> Flask:
    return make_app(runtime)


@pytest.fixture
def visitor(app: Flask) -> FlaskClient:
    return client_for(app, None)


def _outbox(runtime: Runtime) -> list[OutboxMessage]:
    with runtime.sessions() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def _link_path(body: str) -> str:
    match = re.search(r"http://127\.0\.0\.1:8000(/reset-password/\S+)", body)
    assert match, body
    return match.group(1)


def _set(client: FlaskClient, path: str, password: str = NEW_PASSWORD, repeat: str | None = None) -> int:
    response = post(client, path, password=password, repeat=repeat or password)
    return response.status_code


def test_the_mailed_link_sets_a_password_once(
    runtime: Runtime, settings: Settings, relay: Relay, app: Flask, visitor: FlaskClient
) -> None:
    asked = post(visitor, "/forgot-password", follow=True, email="Agent@Corp.Example")
    assert any("we have sent it a link" in words for _, words in flashes(asked))
    [row] = _outbox(runtime)
    assert (row.template, row.recipients, row.ticket_id, row.automatic) == ("password_reset", AGENT, None, True)

    env = environment_for(settings.data_dir, settings.database_url,
                          POSTDESK_SMTP_HOST="127.0.0.1", POSTDESK_SMTP_PORT=str(relay.port))
    assert deliver_due(runtime, SmtpRelay(load_settings(env))) == 1
    [mail] = relay.received
    assert mail["To"] == AGENT and mail["Auto-Submitted"] == "auto-generated"
    assert mail["X-Postdesk-Ticket"] is None, "an account mail belongs to no ticket"
    text_part = mail.get_body(("plain",))
    assert text_part is not None
    path = _link_path(text_part.get_content())

    form = visitor.get(path)
    assert form.status_code == 200 and AGENT in text(form)
    assert _set(visitor, path) == 302
    assert sign_in(app.test_client(), AGENT, NEW_PASSWORD) == "/admin/tickets"
    assert sign_in(app.test_client(), AGENT, PASSWORD) == "", "the old password is gone"

    used = visitor.get(path)
    assert used.status_code == 400 and "not valid, was already used, or has expired" in text(used)
    assert _set(visitor, path, "yet another passphrase") == 400
    assert sign_in(app.test_client(), AGENT, NEW_PASSWORD) == "/admin/tickets"


@pytest.mark.parametrize("age, status", [(timedelta(minutes=59), 200), (timedelta(minutes=61), 400)])
def test_the_link_expires_after_an_hour(
    runtime: Runtime, ids: dict[str, int], visitor: FlaskClient, age: timedelta, status: int
) -> None:
    with runtime.sessions() as session:
        token = make_token(runtime.settings.secret_key, session.get_one(User, ids[CLIENT]), utcnow() - age)
    assert visitor.get(f"/reset-password/{token}").status_code == status
    assert _set(visitor, f"/reset-password/{token}") == (302 if status == 200 else 400)


@pytest.mark.parametrize("tamper", [
    lambda t: t.replace(t.split(".")[0], "1", 1),  # another user (the admin)
    lambda t: f"{t.split('.')[0]}.{int(t.split('.')[1]) + 3600}.{t.split('.')[2]}",  # a later time
    lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),
    lambda t: "nonsense",
])
def test_a_tampered_link_is_refused(
    runtime: Runtime, ids: dict[str, int], visitor: FlaskClient, tamper: Callable[[str], str]
) -> None:
    with runtime.sessions() as session:
        token = make_token(runtime.settings.secret_key, session.get_one(User, ids[CLIENT]))
    assert visitor.get(f"/reset-password/{tamper(token)}").status_code == 400


def test_unknown_and_inactive_addresses_get_the_same_answer_and_no_mail(
    runtime: Runtime, ids: dict[str, int], visitor: FlaskClient
) -> None:
    with unit_of_work(runtime.sessions) as session:
        session.get_one(User, ids[CLIENT]).active = False
    answers = [flashes(post(visitor, "/forgot-password", follow=True, email=email))
               for email in ("nobody@corp.example", CLIENT)]
    assert answers[0] == answers[1] and answers[0]
    assert _outbox(runtime) == []


def test_a_deactivated_user_cannot_use_a_link_issued_before(
    runtime: Runtime, ids: dict[str, int], visitor: FlaskClient
) -> None:
    with runtime.sessions() as session:
        token = make_token(runtime.settings.secret_key, session.get_one(User, ids[CLIENT]))
    with unit_of_work(runtime.sessions) as session:
        session.get_one(User, ids[CLIENT]).active = False
    assert visitor.get(f"/reset-password/{token}").status_code == 400


def test_a_mail_only_employee_can_set_a_first_password(runtime: Runtime, app: Flask, visitor: FlaskClient) -> None:
    from core.users import mail_user

    with unit_of_work(runtime.sessions) as session:
        employee = mail_user(session, "bob@corp.example")
        token = make_token(runtime.settings.secret_key, employee)
    assert _set(visitor, f"/reset-password/{token}") == 302
    assert sign_in(app.test_client(), "bob@corp.example", NEW_PASSWORD) == "/portal/tickets"


@pytest.mark.parametrize("password, repeat, message", [
    ("short", "short", "at least 10 characters"),
    (NEW_PASSWORD, NEW_PASSWORD + "!", "are not the same"),
])
def test_a_bad_new_password_is_refused_and_the_link_still_works(
    runtime: Runtime, ids: dict[str, int], visitor: FlaskClient, password: str, repeat: str, message: str
) -> None:
    with runtime.sessions() as session:
        token = make_token(runtime.settings.secret_key, session.get_one(User, ids[CLIENT]))
    path = f"/reset-password/{token}"
    refused = post(visitor, path, password=password, repeat=repeat)
    assert refused.status_code == 400
    assert re.search(rf'<p class="field-error" id="password-error">[^<]*{message}', text(refused)), "next to the field"
    assert _set(visitor, path) == 302


def test_the_login_page_links_to_it(visitor: FlaskClient) -> None:
    assert 'href="/forgot-password"' in visitor.get("/login").get_data(as_text=True)
