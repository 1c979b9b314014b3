"""API authentication: signing in for a JWT pair, refreshing, personal tokens, and what is refused.

Every route but the two sign-in routes wants `Authorization: Bearer`; the web session cookie
is never enough; the tokens stop working when the password changes, the user is deactivated
or the token is revoked; forged, expired and wrong-kind JWTs are refused."""

from __future__ import annotations

from datetime import timedelta

import jwt
import pytest
from flask import Flask
from sqlalchemy import select

from core.api_tokens import revoke, token_hash
from core.db import unit_of_work
from core.login_throttle import EMAIL_LIMIT
from core.models import ApiToken, utcnow
from core.password_reset import set_password
from core.runtime import Runtime
from core.users import get_user
from tests.api_helpers import (
    ADMIN,
    AGENT,
    ALICE,
    API,
    PASSWORD,
    access_token,
    add_people,
    bearer,
    error_of,
    make_app,
    personal_token,
    sign_in,
)
from tests.test_web_auth import sign_in as web_sign_in
from webadmin.api import jwt_tokens
from webadmin.auth import password_fingerprint


@pytest.fixture
def app(runtime: Runtime) -> Flask:
    add_people(runtime, passwords=True)
    return make_app(runtime)


def test_sign_in_gives_a_token_pair_that_works(app: Flask) -> None:
    client = app.test_client()
    response = sign_in(client, "Alice@Corp.Example")
    assert response.status_code == 200
    pair = response.get_json()
    assert pair["token_type"] == "Bearer" and pair["expires_in"] == 15 * 60 and pair["refresh_expires_in"] == 14 * 86400
    me = client.get(f"{API}/me", headers=bearer(pair["access_token"]))
    assert me.status_code == 200
    assert me.get_json()["email"] == ALICE and me.get_json()["role"] == "client"
    assert "Set-Cookie" not in me.headers


def test_wrong_password_is_401_and_counts_towards_the_lockout(app: Flask) -> None:
    client = app.test_client()
    for _ in range(EMAIL_LIMIT):
        refused = sign_in(client, ALICE, "wrong password")
        assert refused.status_code == 401
        assert error_of(refused)["code"] == "unauthorized"
    assert sign_in(client, "nobody@corp.example", "whatever").status_code == 401
    locked = sign_in(client, ALICE, PASSWORD)
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) > 60
    assert error_of(locked)["code"] == "rate_limited"


def test_refresh_rotates_the_pair_and_kinds_are_not_interchangeable(app: Flask) -> None:
    client = app.test_client()
    pair = sign_in(client, AGENT).get_json()
    renewed = client.post(f"{API}/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert renewed.status_code == 200
    assert client.get(f"{API}/me", headers=bearer(renewed.get_json()["access_token"])).get_json()["email"] == AGENT
    as_bearer = client.get(f"{API}/me", headers=bearer(pair["refresh_token"]))
    assert as_bearer.status_code == 401
    assert "not an access token" in error_of(as_bearer)["message"]
    as_refresh = client.post(f"{API}/auth/refresh", json={"refresh_token": pair["access_token"]})
    assert as_refresh.status_code == 401


def _forged(runtime: Runtime, user_id: int, **claims: object) -> str:
    now = utcnow()
    payload = {"iss": "postdesk", "sub": str(user_id), "typ": "access", "fp": "x", "iat": now, "exp": now + timedelta(minutes=5), **claims}
    return jwt.encode(payload, "a key that is not the app's key at all", algorithm="HS256")


def test_expired_forged_and_unsigned_tokens_are_refused(app: Flask, runtime: Runtime) -> None:
    client = app.test_client()
    with unit_of_work(runtime.sessions) as session:
        alice = get_user(session, ALICE)
        fingerprint = password_fingerprint(alice)
        alice_id = alice.id
    secret = runtime.settings.secret_key
    expired = jwt_tokens.issue(secret, jwt_tokens.Kind.ACCESS, alice_id, fingerprint, utcnow() - timedelta(hours=1))
    valid = jwt_tokens.issue(secret, jwt_tokens.Kind.ACCESS, alice_id, fingerprint, utcnow())
    unsigned = jwt.encode({"iss": "postdesk", "sub": str(alice_id), "typ": "access", "fp": fingerprint,
                           "iat": utcnow(), "exp": utcnow() + timedelta(minutes=5)}, None, algorithm="none")  # fmt: skip
    assert client.get(f"{API}/me", headers=bearer(valid)).status_code == 200
    for token, words in [(expired, "expired"), (_forged(runtime, alice_id), "not valid"), (unsigned, "not valid"),
                         ("garbage", "not valid")]:  # fmt: skip
        response = client.get(f"{API}/me", headers=bearer(token))
        assert response.status_code == 401, token
        assert words in error_of(response)["message"]
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_new_password_or_deactivation_ends_the_jwts(app: Flask, runtime: Runtime) -> None:
    client = app.test_client()
    pair = sign_in(client, ALICE).get_json()
    with unit_of_work(runtime.sessions) as session:
        set_password(get_user(session, ALICE), "a brand new password 123")
    assert client.get(f"{API}/me", headers=bearer(pair["access_token"])).status_code == 401
    assert client.post(f"{API}/auth/refresh", json={"refresh_token": pair["refresh_token"]}).status_code == 401
    fresh = sign_in(client, ALICE, "a brand new password 123").get_json()["access_token"]
    with unit_of_work(runtime.sessions) as session:
        get_user(session, ALICE).active = False
    assert client.get(f"{API}/me", headers=bearer(fresh)).status_code == 401


def test_personal_token_is_stored_hashed_stamped_and_revocable(app: Flask, runtime: Runtime) -> None:
    client = app.test_client()
    secret = personal_token(runtime, AGENT, "monitoring")
    assert secret.startswith("pdk_") and len(secret) > 40
    with runtime.sessions() as session:
        row = session.scalar(select(ApiToken))
        assert row is not None and row.token_hash == token_hash(secret) and secret not in (row.hint + row.name)
        assert row.last_used_at is None
    assert client.get(f"{API}/me", headers=bearer(secret)).get_json()["email"] == AGENT
    with unit_of_work(runtime.sessions) as session:
        row = session.scalar(select(ApiToken))
        assert row is not None and row.last_used_at is not None
        revoke(session, row.user, row.id)
    refused = client.get(f"{API}/me", headers=bearer(secret))
    assert refused.status_code == 401
    assert "revoked" in error_of(refused)["message"]


def test_personal_token_of_a_deactivated_user_stops_working(app: Flask, runtime: Runtime) -> None:
    client = app.test_client()
    secret = personal_token(runtime, AGENT)
    with unit_of_work(runtime.sessions) as session:
        get_user(session, AGENT).active = False
    assert client.get(f"{API}/me", headers=bearer(secret)).status_code == 401


def test_the_web_session_cookie_is_not_api_auth(app: Flask) -> None:
    client = app.test_client()
    assert web_sign_in(client, ADMIN) == "/admin/tickets"
    assert client.get("/admin/tickets").status_code == 200
    response = client.get(f"{API}/me")
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorized"
    assert client.get(f"{API}/admin/tickets").status_code == 401


def test_api_posts_need_no_csrf_token_but_a_bearer(app: Flask) -> None:
    """CSRF protection is on for the app (a form POST without a token is refused), not for the API."""
    assert app.config.get("WTF_CSRF_ENABLED", True)
    client = app.test_client()
    token = access_token(client, ALICE)
    body = {"title": "No CSRF needed", "description": "Bearer auth only."}
    assert client.post(f"{API}/tickets", json=body).status_code == 401
    assert client.post(f"{API}/tickets", json=body, headers=bearer(token)).status_code == 201
    assert client.post("/portal/new", data={"title": "x", "description": "y"}).status_code == 400
