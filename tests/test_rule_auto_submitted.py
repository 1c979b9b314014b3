"""auto_submitted_header: RFC 3834 Auto-Submitted, any value but "no"."""

from __future__ import annotations

import email
import textwrap
from email import policy
from email.message import EmailMessage

import pytest

from mailgateway.classify import ClassifyContext
from mailgateway.rules.auto_submitted import AutoSubmittedHeader

CONTEXT = ClassifyContext("helpdesk.example.com", frozenset({"support@helpdesk.example.com"}), "helpdesk.example.com")
RULE = AutoSubmittedHeader()


def parse(text: str) -> EmailMessage:
    return email.message_from_bytes(textwrap.dedent(text).lstrip().encode(), policy=policy.default)


def test_vacation_reply_is_auto_submitted() -> None:
    message = parse("""\
        Return-Path: <>
        From: kijitora@example.net
        To: support@helpdesk.example.com
        Subject: Away until May 5
        Auto-Submitted: auto-replied (zimbra; vacation)

        I am currently away, returning to the office on May 5th.
    """)
    assert RULE.check(message, CONTEXT) == "Auto-Submitted: auto-replied (zimbra; vacation)"


@pytest.mark.parametrize("value", ["auto-generated", "auto-notified", "Auto-Replied", "x-something-new"])
def test_every_value_but_no_counts(value: str) -> None:
    message = parse(f"From: a@example.com\nAuto-Submitted: {value}\n\nbody\n")
    assert RULE.check(message, CONTEXT) == f"Auto-Submitted: {value}"


@pytest.mark.parametrize("headers", ["Auto-Submitted: no", "Auto-Submitted: No (sent by a person)", "X-Other: 1"])
def test_no_or_absent_is_not_auto(headers: str) -> None:
    message = parse(f"From: Alice <alice@example.com>\nSubject: VPN broken\n{headers}\n\nHelp!\n")
    assert RULE.check(message, CONTEXT) is None
