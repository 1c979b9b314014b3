"""`/unsubscribe/<token>`: the link in a real notification turns those mails off; a GET alone
changes nothing; RFC 8058 one-click works without a CSRF token, any other POST needs one."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from core.db import unit_of_work
from core.models import OutboxMessage, Status, User
from core.runtime import Runtime
from core.tickets import assign, change_status, get_ticket
from core.unsubscribe import OptOut, make_token
from mailgateway.intake import Gateway
from tests.mail_fixtures import build_mail, deliver
from tests.web_helpers import AGENT, CLIENT, add_people, client_for, make_app, post


@pytest.fixture
def ids(runtime: Runtime) -> dict[str, int]:
    return add_people(runtime)


@pytest.fixture
def app(runtime: Runtime, ids: dict[str, int]) -> Flask:
    return make_app(runtime)


@pytest.fixture
def visitor(app: Flask) -> FlaskClient:
    """Nobody signed in: the link works from any browser, as it does from a mail client."""
    return client_for(app, None)


def _user(runtime: Runtime, user_id: int) -> User:
    with runtime.sessions() as session:
        return session.get_one(User, user_id)


def _resolved_mail_link(gateway: Gateway, runtime: Runtime) -> str:
    """The path of the unsubscribe link in the 'resolved' mail the requester really got."""
    number = deliver(gateway, build_mail(sender=CLIENT)).ticket
    assert number is not None
    with unit_of_work(runtime.sessions) as session:
        change_status(session, get_ticket(session, number), Status.RESOLVED, actor=None)
    with runtime.sessions() as session:
        row = session.scalars(select(OutboxMessage).where(OutboxMessage.template == "status_resolved")).one()
    assert row.unsubscribe_url
    return urlsplit(row.unsubscribe_url).path


def test_the_link_in_a_mail_asks_first_then_turns_status_mails_off(
    gateway: Gateway, runtime: Runtime, ids: dict[str, int], visitor: FlaskClient
) -> None:
    path = _resolved_mail_link(gateway, runtime)
    page = visitor.get(path)
    assert page.status_code == 200
    question = "Stop sending alice@corp.example mails when the status of your tickets changes"
    assert question in page.get_data(as_text=True)
    assert _user(runtime, ids[CLIENT]).notify_status_changes, "a GET (a link scanner) changes nothing"

    done = post(visitor, path)
    assert done.status_code == 200
    assert "You are unsubscribed" in done.get_data(as_text=True)
    user = _user(runtime, ids[CLIENT])
    assert (user.notify_status_changes, user.notify_assignments) == (False, True)


def test_rfc8058_one_click_needs_no_csrf_token(
    runtime: Runtime, ids: dict[str, int], visitor: FlaskClient
) -> None:
    path = f"/unsubscribe/{make_token(runtime.settings.secret_key, ids[AGENT], OptOut.ASSIGNMENT)}"
    response = visitor.post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "Unsubscribed."
    user = _user(runtime, ids[AGENT])
    assert (user.notify_assignments, user.notify_status_changes) == (False, True)


def test_an_assignment_opt_out_is_honoured_by_the_next_assignment(
    gateway: Gateway, runtime: Runtime, ids: dict[str, int], visitor: FlaskClient
) -> None:
    visitor.post(f"/unsubscribe/{make_token(runtime.settings.secret_key, ids[AGENT], OptOut.ASSIGNMENT)}",
                 data={"List-Unsubscribe": "One-Click"})
    number = deliver(gateway, build_mail(sender=CLIENT)).ticket
    assert number is not None
    with unit_of_work(runtime.sessions) as session:
        assign(session, get_ticket(session, number), session.get(User, ids[AGENT]), actor=None)
    with runtime.sessions() as session:
        templates = session.scalars(select(OutboxMessage.template)).all()
    assert "ticket_assigned" not in templates


@pytest.mark.parametrize("form", [{}, {"List-Unsubscribe": "yes"}, {"List-Unsubscribe": "One-Click-ish"}])
def test_any_other_post_without_a_csrf_token_is_refused(
    runtime: Runtime, ids: dict[str, int], visitor: FlaskClient, form: dict[str, str]
) -> None:
    path = f"/unsubscribe/{make_token(runtime.settings.secret_key, ids[CLIENT], OptOut.STATUS)}"
    assert visitor.post(path, data=form).status_code == 400
    assert _user(runtime, ids[CLIENT]).notify_status_changes


@pytest.mark.parametrize("token", ["1.status.forged", "1.nonsense.x", "abc", "999.status.x"])
def test_a_forged_or_unknown_token_is_404(
    runtime: Runtime, ids: dict[str, int], visitor: FlaskClient, token: str
) -> None:
    assert visitor.get(f"/unsubscribe/{token}").status_code == 404
    assert visitor.post(f"/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"}).status_code == 404


def test_a_token_for_a_user_that_is_gone_is_404(runtime: Runtime, visitor: FlaskClient) -> None:
    token = make_token(runtime.settings.secret_key, 4242, OptOut.STATUS)
    assert visitor.get(f"/unsubscribe/{token}").status_code == 404
