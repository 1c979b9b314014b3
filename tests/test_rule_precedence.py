"""precedence_header: Precedence bulk/junk/list/auto_reply, but not a post to a named list."""

from __future__ import annotations

import email
import textwrap
from email import policy
from email.message import EmailMessage

import pytest

from mailgateway.classify import ClassifyContext
from mailgateway.rules.precedence import PrecedenceHeader

CONTEXT = ClassifyContext("helpdesk.example.com", frozenset({"support@helpdesk.example.com"}), "helpdesk.example.com")
RULE = PrecedenceHeader()


def parse(text: str) -> EmailMessage:
    return email.message_from_bytes(textwrap.dedent(text).lstrip().encode(), policy=policy.default)


def test_gmail_vacation_responder_precedence_bulk() -> None:
    message = parse("""\
        From: bob@example.com
        To: support@helpdesk.example.com
        Subject: vacation: Printer
        Precedence: bulk
        X-Autoreply: yes

        I'm away.
    """)
    assert RULE.check(message, CONTEXT) == "Precedence: bulk"


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("Precedence: junk", "Precedence: junk"),
        ("Precedence: List", "Precedence: list"),
        ("Precedence: auto_reply", "Precedence: auto_reply"),
        ("X-Precedence: auto_reply", "X-Precedence: auto_reply"),
    ],
)
def test_automatic_values(header: str, reason: str) -> None:
    assert RULE.check(parse(f"From: a@example.com\n{header}\n\nbody\n"), CONTEXT) == reason


def test_post_to_a_named_list_is_left_to_list_mail() -> None:
    # Mailman 2 puts "Precedence: list" (or bulk) on every post; a person may still open a ticket.
    message = parse("""\
        From: Carol <carol@example.org>
        To: it-users@lists.example.com
        Subject: [it-users] Wi-Fi down in building B?
        Precedence: list
        List-Id: IT users <it-users.lists.example.com>
        List-Post: <mailto:it-users@lists.example.com>

        Anyone else?
    """)
    assert RULE.check(message, CONTEXT) is None


@pytest.mark.parametrize("value", ["first-class", "normal", "special-delivery"])
def test_ordinary_precedence_values_are_not_automatic(value: str) -> None:
    assert RULE.check(parse(f"From: a@example.com\nPrecedence: {value}\n\nbody\n"), CONTEXT) is None
