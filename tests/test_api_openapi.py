"""The OpenAPI document describes exactly the routes the app serves, and the docs page works
in the real Chromium under the app's Content-Security-Policy, from files shipped with the package."""

from __future__ import annotations

from pathlib import Path

import jsonschema_rs
import pytest
from flask import Flask
from playwright.sync_api import ConsoleMessage, Page, expect

from core.runtime import Runtime
from tests.api_helpers import ALICE, API, add_people, bearer, make_app, personal_token

NOT_OPERATIONS = {"/openapi.json", "/docs", "/docs/assets/<path:filename>", "/static/<path:filename>"}


@pytest.fixture
def app(runtime: Runtime) -> Flask:
    return make_app(runtime)


def _served(app: Flask) -> set[tuple[str, str]]:
    """(method, OpenAPI path) of every API route the app serves, the document's own routes aside."""
    routes = set()
    for rule in app.url_map.iter_rules():
        path = rule.rule.removeprefix(API)
        if not rule.rule.startswith(f"{API}/") or path in NOT_OPERATIONS:
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:  # type: ignore[operator]
            routes.add((method.lower(), path.replace("<int:", "{").replace(">", "}")))
    return routes


def test_the_document_describes_every_route_and_nothing_else(app: Flask) -> None:
    document = app.test_client().get(f"{API}/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    described = {(method, path) for path, item in document["paths"].items() for method in item}
    assert described == _served(app)
    assert len(described) >= 30
    operation_ids = [operation["operationId"] for item in document["paths"].values() for operation in item.values()]
    assert len(operation_ids) == len(set(operation_ids))
    for path, item in document["paths"].items():
        for method, operation in item.items():
            public = path.startswith("/auth/")
            assert (operation["security"] == []) is public, (method, path)
            assert public or "401" in operation["responses"], (method, path)
            assert "429" in operation["responses"] and "Retry-After" in operation["responses"]["429"]["headers"]
            if path.startswith("/admin/"):
                assert "403" in operation["responses"], (method, path)


def test_a_real_answer_validates_against_its_documented_schema(app: Flask, runtime: Runtime) -> None:
    """The document and the code cannot drift: an answer checked against the document's schema."""
    add_people(runtime)
    client = app.test_client()
    document = client.get(f"{API}/openapi.json").get_json()
    answer = client.get(f"{API}/catalog", headers=bearer(personal_token(runtime, ALICE))).get_json()
    schema = {**document["paths"]["/catalog"]["get"]["responses"]["200"]["content"]["application/json"]["schema"],
              "components": document["components"]}  # fmt: skip
    jsonschema_rs.validator_for(schema).validate(answer)
    broken = {"groups": [{"name": "IT"}]}
    assert not jsonschema_rs.validator_for(schema).is_valid(broken)


def _record(problems: list[str], message: ConsoleMessage) -> None:
    if message.type in ("error", "warning") and "Content-Security-Policy" in message.text or message.type == "error":
        problems.append(message.text)


@pytest.mark.browser
def test_the_docs_page_runs_under_the_csp_without_a_cdn(live_server: str, page: Page, tmp_path: Path) -> None:
    problems: list[str] = []
    requested: list[str] = []
    page.on("console", lambda message: _record(problems, message))
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("request", lambda request: requested.append(request.url))
    response = page.goto(f"{live_server}{API}/docs")
    assert response is not None and "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.get_by_text("Postdesk API").first).to_be_visible()
    expect(page.locator(".opblock-summary-path", has_text="/tickets/{number}/comments")).to_be_visible()
    page.locator(".opblock-summary", has_text="/auth/login").first.click()
    expect(page.get_by_text("Sign in with email and password").first).to_be_visible()
    page.screenshot(path=str(tmp_path / "api-docs.png"))
    assert problems == []
    assert all(url.startswith(live_server) for url in requested), [url for url in requested if not url.startswith(live_server)]
