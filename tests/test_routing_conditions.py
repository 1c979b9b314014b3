"""Each condition kind: a hit and a near miss, with the reason it gives."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from core.rules.conditions import registry
from core.rules.facts import MailFacts

FACTS = MailFacts(
    sender="Alice@Corp.Example",
    subject="VPN down since the update",
    body="Hello,\nthe VPN client says error 809.\nAlice",
    recipients=("hr-help@helpdesk.example.com", "support@helpdesk.example.com"),
    headers={"x-priority": ("1 (Highest)",), "list-id": ("<it.corp.example>",)},
    attachments=(("screenshot.PNG", "image/png"), ("log.txt", "text/plain")),
    sender_department="Finance",
    sender_known=True,
    received_at=datetime(2026, 11, 23, 9, 30, tzinfo=UTC),
)

CASES: list[tuple[str, dict[str, Any], bool]] = [
    ("sender_address", {"op": "equals", "value": "alice@corp.example"}, True),
    ("sender_address", {"op": "equals", "value": "alice@corp.example", "ignore_case": False}, False),
    ("sender_domain", {"op": "in", "value": ["corp.example", "corp.test"]}, True),
    ("sender_domain", {"op": "glob", "value": "*.corp.example"}, False),
    ("recipient", {"op": "glob", "value": "hr-help@*"}, True),
    ("recipient", {"op": "equals", "value": "facilities@helpdesk.example.com"}, False),
    ("subject", {"op": "contains", "value": "vpn"}, True),
    ("subject", {"op": "regex", "value": r"^vpn\b", "ignore_case": False}, False),
    ("body", {"op": "regex", "value": r"error \d{3}"}, True),
    ("body", {"op": "contains", "value": "printer"}, False),
    ("sender_department", {"op": "equals", "value": "finance"}, True),
    ("sender_department", {"op": "equals", "value": "HR"}, False),
    ("header", {"header": "X-Priority", "op": "glob", "value": "1*"}, True),
    ("header", {"header": "X-Mailer", "op": "contains", "value": "Outlook"}, False),
    ("has_attachment", {"type": "image/*"}, True),
    ("has_attachment", {"type": "*.png"}, True),
    ("has_attachment", {"type": "application/pdf"}, False),
    ("known_sender", {"known": True}, True),
    ("known_sender", {"known": False}, False),
    ("business_hours", {"inside": True, "timezone": "Europe/Berlin"}, True),
    ("business_hours", {"inside": True, "timezone": "America/Los_Angeles"}, False),
    ("business_hours", {"inside": False, "timezone": "America/Los_Angeles"}, True),
]


@pytest.mark.parametrize(("kind", "params", "expected"), CASES, ids=[f"{k}-{i}" for i, (k, _, _) in enumerate(CASES)])
def test_condition(kind: str, params: dict[str, Any], expected: bool) -> None:
    condition = registry()[kind]
    assert condition.errors(params) == {}
    reason = condition.check(FACTS, params)
    assert (reason is not None) is expected
    if reason:
        assert kind.split("_")[0] in reason or "business hours" in reason or "attachment" in reason or "user" in reason


@pytest.mark.parametrize(
    ("kind", "params", "field"),
    [
        ("subject", {"op": "regex", "value": "(unclosed"}, "value"),
        ("subject", {"op": "sounds_like", "value": "x"}, "op"),
        ("recipient", {"op": "in", "value": []}, "value"),
        ("header", {"op": "equals", "value": "x"}, "header"),
        ("business_hours", {"timezone": "Mars/Olympus", "start": "25:00"}, "timezone"),
        ("business_hours", {"start": "8 o'clock"}, "start"),
        ("known_sender", {"known": "yes"}, "known"),
    ],
)
def test_bad_params_are_named_by_field(kind: str, params: dict[str, Any], field: str) -> None:
    assert field in registry()[kind].errors(params)


def test_every_kind_is_registered_with_a_description() -> None:
    kinds = registry()
    assert set(kinds) >= {
        "sender_address", "sender_domain", "recipient", "subject", "body", "header",
        "has_attachment", "sender_department", "business_hours", "known_sender",
    }
    assert all(condition.description for condition in kinds.values())
