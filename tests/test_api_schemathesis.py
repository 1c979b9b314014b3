"""Schemathesis against the live API, from the API's own OpenAPI document.

The app runs on a real WSGI server on 127.0.0.1 (the `live_server` fixture); schemathesis
reads `/api/v1/openapi.json` from it and, for every operation, sends a bounded number of
generated requests (valid and invalid ones) with an admin's personal token, so every route is
reached past the bearer check. Every answer must be free of server errors (5xx) and match the
document: a documented status, the documented content type, a body that validates against its
schema, documented headers. With rate limits high enough not to interfere."""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis import APIOperation, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from core.config import Settings, load_settings
from core.runtime import Runtime
from tests.api_helpers import (
    ADMIN,
    ALICE,
    API,
    add_people,
    bearer,
    open_as,
    personal_token,
)
from tests.db_fixtures import environment_for

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
EXAMPLES_PER_MODE = 5


@pytest.fixture
def settings_for_fuzzing(tmp_path: Path, database_url: str) -> Settings:
    environment = environment_for(
        tmp_path / "var", database_url,
        POSTDESK_API_RATE_LIMIT="100000 per minute", POSTDESK_API_IP_RATE_LIMIT="100000 per minute",
    )  # fmt: skip
    return load_settings(environment)


@pytest.fixture
def settings(settings_for_fuzzing: Settings) -> Settings:
    return settings_for_fuzzing


@pytest.fixture
def admin_headers(runtime: Runtime) -> dict[str, str]:
    add_people(runtime, passwords=True)
    open_as(runtime, ALICE, "Printer jammed")
    open_as(runtime, ALICE, "VPN drops every hour")
    return bearer(personal_token(runtime, ADMIN))


def _fuzz(operation: APIOperation, mode: GenerationMode, base_url: str, headers: dict[str, str], seen: set[int]) -> None:
    """Send the generated requests of one operation; `seen` collects the statuses it answered."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @hypothesis_settings(max_examples=EXAMPLES_PER_MODE, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def run(case: schemathesis.Case) -> None:
        seen.add(case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS).status_code)

    run()


def test_every_operation_answers_as_documented(live_server: str, admin_headers: dict[str, str]) -> None:
    """Each operation in turn, valid and invalid requests; all failures are reported together."""
    schema = schemathesis.openapi.from_url(f"{live_server}{API}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 30
    failures, statuses = [], {}
    for operation in operations:
        seen = statuses.setdefault(operation.label, set())
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _fuzz(operation, mode, f"{live_server}{API}", admin_headers, seen)
            except (AssertionError, BaseExceptionGroup) as failure:  # a check failure, or a group of them
                failures.append(f"{operation.label} ({mode.value}): {failure}")
    assert not failures, "\n\n".join(failures)
    past_the_door = [label for label, seen in statuses.items() if seen - {401, 403, 429}]
    assert len(past_the_door) == len(operations), "the admin's token reaches every operation"
    succeeded = [label for label, seen in statuses.items() if any(200 <= status < 300 for status in seen)]
    assert len(succeeded) >= len(operations) // 2, f"too few operations ever succeeded: {sorted(succeeded)}"
