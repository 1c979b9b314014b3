"""The API's errors: one JSON shape with a fitting status, never an HTML page or a traceback,
and the rate limits per token and per address (429 with Retry-After)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import text

from core.config import Settings, load_settings
from core.migrate import upgrade
from core.runtime import Runtime
from tests.api_helpers import (
    ADMIN,
    AGENT,
    ALICE,
    API,
    BOB,
    add_people,
    bearer,
    error_of,
    make_app,
    personal_token,
)
from tests.db_fixtures import environment_for
from webadmin.forms import MAX_FILE_SIZE


@pytest.fixture
def app(runtime: Runtime) -> Flask:
    add_people(runtime)
    return make_app(runtime)


def test_unknown_paths_and_methods_are_json(app: Flask) -> None:
    client = app.test_client()
    missing = client.get(f"{API}/nothing-here")
    assert missing.status_code == 404 and missing.mimetype == "application/json"
    assert error_of(missing)["code"] == "not_found"
    wrong_method = client.delete(f"{API}/catalog")
    assert wrong_method.status_code == 405
    assert error_of(wrong_method)["code"] == "method_not_allowed"
    assert "GET" in wrong_method.headers["Allow"]
    assert client.get(f"{API}/tickets/-1").status_code == 404


def test_bad_bodies_name_their_fields(app: Flask, runtime: Runtime) -> None:
    client, headers = app.test_client(), bearer(personal_token(runtime, ALICE))
    not_json = client.post(f"{API}/tickets", data="title=x", headers=headers, content_type="application/x-www-form-urlencoded")
    assert not_json.status_code == 400 and error_of(not_json)["code"] == "bad_request"
    broken = client.post(f"{API}/tickets", data="{", headers=headers, content_type="application/json")
    assert broken.status_code == 400 and "not valid JSON" in error_of(broken)["message"]
    invalid = client.post(f"{API}/tickets", json={"title": 5, "priority": "whenever", "colour": "red"}, headers=headers)
    assert invalid.status_code == 422
    error = error_of(invalid)
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {"title", "description", "priority", "colour"}
    nul = client.post(f"{API}/tickets", json={"title": "a\u0000b", "description": "x"}, headers=headers)
    assert nul.status_code == 422 and "NUL" in error_of(nul)["fields"]["title"]
    query = client.get(f"{API}/tickets?limit=0&status=sleeping", headers=headers)
    assert query.status_code == 422 and set(error_of(query)["fields"]) == {"limit", "status.0"}


def test_too_large_upload_or_body_is_413(app: Flask, runtime: Runtime) -> None:
    client, headers = app.test_client(), bearer(personal_token(runtime, ALICE))
    big = io.BytesIO(b"a" * (MAX_FILE_SIZE + 1))
    response = client.post(f"{API}/uploads", data={"file": (big, "huge.txt")}, headers=headers, content_type="multipart/form-data")
    assert response.status_code == 413
    assert error_of(response)["code"] == "too_large"
    huge_json = client.post(f"{API}/tickets", json={"title": "x", "description": "y" * (6 * 1024 * 1024)}, headers=headers)
    assert huge_json.status_code == 413 and error_of(huge_json)["code"] == "too_large"


def test_domain_refusals_map_to_404_409_422(app: Flask, runtime: Runtime) -> None:
    client, headers = app.test_client(), bearer(personal_token(runtime, ADMIN))
    missing = client.put(f"{API}/admin/tickets/999/status", json={"status": "resolved"}, headers=headers)
    assert missing.status_code == 404 and error_of(missing)["message"] == "no ticket #999"
    duplicate = client.post(f"{API}/admin/users", json={"email": AGENT}, headers=headers)
    assert duplicate.status_code == 409 and error_of(duplicate)["code"] == "conflict"
    bad_address = client.post(f"{API}/admin/users", json={"email": "not an address"}, headers=headers)
    assert bad_address.status_code == 422


def test_a_crash_is_json_without_a_traceback(app: Flask, runtime: Runtime) -> None:
    """A table gone: SQLite calls it an operational error (503), PostgreSQL a programming error
    (500). Either way the API's JSON, without a traceback or the database's own words."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    headers = bearer(personal_token(runtime, ALICE))
    with runtime.engine.begin() as connection:
        connection.execute(text("DROP TABLE ticket_watchers"))
    response = app.test_client().get(f"{API}/tickets?tab=watching", headers=headers)
    assert response.status_code in (500, 503)
    body = response.get_data(as_text=True)
    assert response.mimetype == "application/json" and "Traceback" not in body and "ticket_watchers" not in body
    assert error_of(response)["code"] == ("server_error" if response.status_code == 500 else "unavailable")


@pytest.fixture
def tight_settings(tmp_path: Path, database_url: str) -> Settings:
    environment = environment_for(
        tmp_path / "var", database_url,
        POSTDESK_API_RATE_LIMIT="3 per minute", POSTDESK_API_IP_RATE_LIMIT="5 per minute",
    )  # fmt: skip
    return load_settings(environment)


def test_rate_limits_per_token_then_per_address(tight_settings: Settings) -> None:
    runtime = Runtime(tight_settings)
    try:
        upgrade(runtime.engine)
        add_people(runtime)
        app = make_app(runtime)
        client = app.test_client()
        alice, agent = bearer(personal_token(runtime, ALICE)), bearer(personal_token(runtime, AGENT))
        assert [client.get(f"{API}/me", headers=alice).status_code for _ in range(3)] == [200, 200, 200]
        limited = client.get(f"{API}/me", headers=alice)
        assert limited.status_code == 429
        assert error_of(limited)["code"] == "rate_limited"
        assert 1 <= int(limited.headers["Retry-After"]) <= 60
        statuses = [client.get(f"{API}/me", headers=agent).status_code for _ in range(3)]
        assert statuses == [200, 200, 429], "another token has a count of its own, but the address has used up its 5"
        bob = bearer(personal_token(runtime, BOB))
        elsewhere = app.test_client().get(f"{API}/me", headers=bob, environ_base={"REMOTE_ADDR": "10.9.8.7"})
        assert elsewhere.status_code == 200, "another address has a count of its own"
    finally:
        runtime.engine.dispose()
