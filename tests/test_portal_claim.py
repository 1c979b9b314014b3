"""Portal accounts, on SQLite and PostgreSQL: a mail-only employee claims one by a link that
works once and expires, admins' invitations, the profile, and changing the password."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from core.account_claim import CLAIM_PATH, invite_user
from core.db import unit_of_work
from core.errors import InvalidInput
from core.models import OutboxMessage, Role, User, utcnow
from core.password_reset import make_token
from core.runtime import Runtime
from core.users import add_user, get_user, mail_user
from tests.portal_helpers import (
    ADA,
    ALICE,
    PASSWORD,
    add_people,
    field_errors,
    make_app,
    send,
    signed_in,
    text,
)
from tests.test_web_auth import sign_in

MAIL_ONLY = "max@corp.example"
NEW_PASSWORD = "a brand new passphrase"
_LINK = re.compile(r"https?://\S+/portal/claim/(\S+)")


@pytest.fixture
def app(runtime: Runtime) -> Flask:
    add_people(runtime)
    with unit_of_work(runtime.sessions) as session:
        mail_user(session, MAIL_ONLY, "Max Mail")
    return make_app(runtime)


def _outbox(runtime: Runtime) -> list[OutboxMessage]:
    with runtime.sessions() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def _ask_for_link(client: FlaskClient, email: str) -> None:
    response = send(client, "/portal/claim", {"email": email}, token_from="/portal/claim")
    assert response.status_code == 302 and response.headers["Location"] == "/login"


def _choose(client: FlaskClient, token: str, password: str = NEW_PASSWORD, repeat: str | None = None, name: str = ""):  # type: ignore[no-untyped-def]
    fields = {"name": name, "password": password, "repeat": password if repeat is None else repeat}
    return send(client, f"/portal/claim/{token}", fields, token_from="/portal/claim")


def test_a_mail_only_employee_claims_an_account_with_a_link_that_works_once(runtime: Runtime, app: Flask) -> None:
    visitor = app.test_client()
    assert "Claim your account" in text(visitor.get("/portal/claim"))
    _ask_for_link(visitor, MAIL_ONLY.upper())
    [mail] = _outbox(runtime)
    assert (mail.template, mail.recipients, mail.ticket_id, mail.automatic) == ("account_claim", MAIL_ONLY, None, True)
    link = _LINK.search(mail.body_text)
    assert link and mail.body_text.count(link.group(0)) == 1
    token = link.group(1)

    page = visitor.get(f"/portal/claim/{token}")
    assert page.status_code == 200 and MAIL_ONLY in text(page)
    assert visitor.get(f"/portal/claim/{token}").status_code == 200, "opening the link does not spend it"

    response = _choose(visitor, token, name="Max Mustermann")
    assert response.status_code == 303 and response.headers["Location"] == "/portal/tickets"
    assert "Welcome! Your password is set" in text(visitor.get("/portal/tickets"))
    with runtime.sessions() as session:
        assert get_user(session, MAIL_ONLY).name == "Max Mustermann"

    again = app.test_client().get(f"/portal/claim/{token}")
    assert again.status_code == 400 and "not valid, was already used, or has expired" in text(again)
    assert _choose(app.test_client(), token, "someone else's choice").status_code == 400
    assert sign_in(app.test_client(), MAIL_ONLY, NEW_PASSWORD) == "/portal/tickets"


def test_an_expired_link_offers_a_fresh_one(runtime: Runtime, app: Flask) -> None:
    with runtime.sessions() as session:
        token = make_token(runtime.settings.secret_key, get_user(session, MAIL_ONLY), utcnow() - timedelta(hours=2))
    client = app.test_client()
    page = client.get(f"/portal/claim/{token}")
    assert page.status_code == 400
    assert "has expired" in text(page) and "Mail me a link" in text(page)
    assert _choose(client, token).status_code == 400
    with runtime.sessions() as session:
        assert get_user(session, MAIL_ONLY).password_hash is None


def test_a_forged_or_foreign_token_is_refused(runtime: Runtime, app: Flask) -> None:
    with runtime.sessions() as session:
        token = make_token("some other installation's key", get_user(session, MAIL_ONLY))
    for bad in (token, "1.2.3", "nonsense"):
        assert app.test_client().get(f"/portal/claim/{bad}").status_code == 400


def test_passwords_that_differ_are_shown_next_to_the_field_and_spend_nothing(runtime: Runtime, app: Flask) -> None:
    with runtime.sessions() as session:
        token = make_token(runtime.settings.secret_key, get_user(session, MAIL_ONLY))
    client = app.test_client()
    response = _choose(client, token, repeat="something else entirely")
    assert response.status_code == 400
    assert field_errors(response) == {"password": ["The two passwords are not the same."]}
    assert _choose(client, token).status_code == 303


def test_unknown_addresses_get_the_same_answer_and_no_mail(runtime: Runtime, app: Flask) -> None:
    client = app.test_client()
    _ask_for_link(client, "stranger@corp.example")
    assert "If that address has written to the helpdesk" in text(client.get("/login"))
    assert _outbox(runtime) == []


def test_the_claim_form_needs_its_csrf_token(runtime: Runtime, app: Flask) -> None:
    assert send(app.test_client(), "/portal/claim", {"email": MAIL_ONLY}, with_token=False).status_code == 400
    assert _outbox(runtime) == []


def test_an_admin_created_user_gets_an_invitation(runtime: Runtime, app: Flask) -> None:
    with unit_of_work(runtime.sessions) as session:
        newcomer = add_user(session, "nina@corp.example", role=Role.AGENT, name="Nina")
        invitation = invite_user(session, newcomer)
        assert invitation is not None
        with pytest.raises(InvalidInput, match="has a password already"):
            invite_user(session, get_user(session, ALICE))
    [mail] = _outbox(runtime)
    assert (mail.template, mail.recipients) == ("account_invitation", "nina@corp.example")
    assert "invited" in mail.subject
    link = _LINK.search(mail.body_text)
    assert link and link.group(0).startswith(runtime.settings.base_url + CLAIM_PATH + "/")
    client = app.test_client()
    assert _choose(client, link.group(1)).headers["Location"] == "/admin/tickets", "staff land on their panel"


def test_the_profile_keeps_name_department_and_mail_choices(runtime: Runtime, app: Flask) -> None:
    alice = signed_in(app, ALICE)
    page = text(alice.get("/portal/account"))
    assert "Mail me when my request waits for me" in page
    assert "assigned to me" not in page, "clients are never assigned tickets"
    fields = {"name": "Alice Liddell", "department": "Finance", "notify_assignments": "y"}
    assert send(alice, "/portal/account", fields).status_code == 303
    with runtime.sessions() as session:
        alice_now = get_user(session, ALICE)
        assert (alice_now.name, alice_now.department, alice_now.notify_status_changes, alice_now.notify_assignments) == (
            "Alice Liddell", "Finance", False, True)  # fmt: skip

    ada = signed_in(app, ADA)
    assert "assigned to me" in text(ada.get("/portal/account"))
    send(ada, "/portal/account", {"name": "Ada", "department": "IT", "notify_status_changes": "y"})
    with runtime.sessions() as session:
        ada_now = session.scalars(select(User).where(User.email == ADA)).one()
        assert (ada_now.notify_status_changes, ada_now.notify_assignments) == (True, False)


def test_a_too_long_name_is_refused_next_to_the_field(runtime: Runtime, app: Flask) -> None:
    alice = signed_in(app, ALICE)
    response = send(alice, "/portal/account", {"name": "x" * 201, "department": "Finance"})
    assert response.status_code == 400
    assert field_errors(response) == {"name": ["Field cannot be longer than 200 characters."]}
    assert 'value="Finance"' in response.get_data(as_text=True)


def test_changing_the_password_keeps_this_session_and_ends_the_others(runtime: Runtime, app: Flask) -> None:
    here, elsewhere = signed_in(app, ALICE), signed_in(app, ALICE)
    wrong = send(here, "/portal/account/password", {"current": "not it at all", "password": NEW_PASSWORD, "repeat": NEW_PASSWORD})
    assert wrong.status_code == 400
    assert field_errors(wrong) == {"current": ["That is not your current password."]}
    short = send(here, "/portal/account/password", {"current": PASSWORD, "password": "short", "repeat": "short"})
    assert field_errors(short) == {"password": ["Choose a password of at least 10 characters."]}

    done = send(here, "/portal/account/password", {"current": PASSWORD, "password": NEW_PASSWORD, "repeat": NEW_PASSWORD})
    assert done.status_code == 303
    assert here.get("/portal/tickets").status_code == 200
    assert elsewhere.get("/portal/tickets").status_code == 302
    assert sign_in(app.test_client(), ALICE, PASSWORD) == ""
    assert sign_in(app.test_client(), ALICE, NEW_PASSWORD) == "/portal/tickets"
