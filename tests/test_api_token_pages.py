"""The panel pages for personal API tokens: create (shown once, stored hashed), use, revoke;
an admin does the same for anyone on their user page; nobody else reaches those pages."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from core.api_tokens import token_hash
from core.models import ApiToken
from core.runtime import Runtime
from tests.api_helpers import ADMIN, AGENT, ALICE, API, add_people, bearer, make_app
from tests.web_helpers import client_for, flashes, post, text

SECRET = re.compile(r'id="new-token"[^>]*value="(pdk_[\w-]+)"')
OWN = "/portal/account/api-tokens"


@pytest.fixture
def people(runtime: Runtime) -> dict[str, int]:
    return add_people(runtime, passwords=True)


@pytest.fixture
def app(runtime: Runtime, people: dict[str, int]) -> Flask:
    return make_app(runtime)


def _created_secret(page: str) -> str:
    match = SECRET.search(page)
    assert match, page
    return match.group(1)


def test_a_person_creates_uses_and_revokes_their_own_token(app: Flask, runtime: Runtime) -> None:
    browser = client_for(app, ALICE)
    assert "No tokens yet." in text(browser.get(OWN))
    created = post(browser, OWN, name="  laptop   script ")
    assert created.status_code == 201 and created.headers["Cache-Control"] == "no-store"
    secret = _created_secret(created.get_data(as_text=True))
    assert "shown only this once" in text(created)
    with runtime.sessions() as session:
        row = session.scalar(select(ApiToken))
        assert row is not None and row.name == "laptop script" and row.token_hash == token_hash(secret)
    assert secret not in text(browser.get(OWN)), "the list never shows the token again"
    api = app.test_client()
    assert api.get(f"{API}/me", headers=bearer(secret)).get_json()["email"] == ALICE
    assert "—" not in text(browser.get(OWN)).split("laptop script", 1)[1].split("</tr>", 1)[0], "last used is stamped"
    revoked = post(browser, f"{OWN}/{row.id}/revoke", follow=True)
    assert ("success", "Revoked the token “laptop script”: it no longer works.") in flashes(revoked)
    assert api.get(f"{API}/me", headers=bearer(secret)).status_code == 401


def test_the_name_is_required_and_shown_as_a_field_error(app: Flask) -> None:
    browser = client_for(app, ALICE)
    refused = post(browser, OWN, name="")
    assert refused.status_code == 400
    assert 'id="name-error"' in refused.get_data(as_text=True)
    assert "pdk_" not in refused.get_data(as_text=True)


def test_creating_or_revoking_needs_the_csrf_token(app: Flask) -> None:
    browser = client_for(app, ALICE)
    assert browser.post(OWN, data={"name": "x"}).status_code == 400


def test_an_admin_manages_someone_elses_tokens(app: Flask, runtime: Runtime, people: dict[str, int]) -> None:
    admin = client_for(app, ADMIN)
    page = f"/admin/users/{people[AGENT]}/api-tokens"
    assert "API tokens of Agent" in text(admin.get(page))
    assert f'href="{page}"' in admin.get(f"/admin/users/{people[AGENT]}").get_data(as_text=True)
    created = post(admin, page, name="monitoring")
    secret = _created_secret(created.get_data(as_text=True))
    assert app.test_client().get(f"{API}/me", headers=bearer(secret)).get_json()["email"] == AGENT
    assert f"by {ADMIN}" in text(admin.get(page))
    agent = client_for(app, AGENT)
    assert agent.get(page).status_code == 403
    with runtime.sessions() as session:
        token_id = session.scalar(select(ApiToken.id))
    assert post(agent, f"{OWN}/{token_id}/revoke").status_code == 303, "their own token: the agent may revoke it"
    assert post(client_for(app, ALICE), f"{OWN}/{token_id}/revoke").status_code == 404, "someone else's: 404"
    assert post(admin, f"/admin/users/{people[ALICE]}/api-tokens/{token_id}/revoke").status_code == 404


def test_the_account_page_links_to_the_tokens(app: Flask) -> None:
    browser = client_for(app, ALICE)
    assert f'href="{OWN}"' in browser.get("/portal/account").get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_sign_in(app: Flask) -> None:
    anonymous: FlaskClient = app.test_client()
    assert anonymous.get(OWN).status_code == 302
    assert anonymous.get("/admin/users/1/api-tokens").status_code == 302
