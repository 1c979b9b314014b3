"""our_own_mail: our own mail coming back is a loop; a person forwarding it is not."""

from __future__ import annotations

import email
import textwrap
from email import policy
from email.message import EmailMessage

import pytest

from mailgateway.classify import ClassifyContext
from mailgateway.rules.our_own_mail import OurOwnMail

CONTEXT = ClassifyContext(
    mail_domain="helpdesk.example.com",
    support_addresses=frozenset({"support@helpdesk.example.com"}),
    instance_id="helpdesk.example.com",
)
RULE = OurOwnMail()


def parse(text: str) -> EmailMessage:
    return email.message_from_bytes(textwrap.dedent(text).lstrip().encode(), policy=policy.default)


OUR_NOTIFICATION_REDIRECTED = """\
    Return-Path: <support@helpdesk.example.com>
    From: IT Helpdesk <support@helpdesk.example.com>
    To: alice@example.com
    Subject: [#42] Printer on floor 3 is jammed
    Message-ID: <ticket-42-7@helpdesk.example.com>
    Auto-Submitted: auto-generated
    X-Postdesk-Loop: helpdesk.example.com
    X-Postdesk-Ticket: 42

    Your ticket #42 was received.
"""

PERSON_FORWARDS_OUR_MAIL = """\
    From: Alice <alice@example.com>
    To: support@helpdesk.example.com
    Subject: Fwd: [#42] Printer on floor 3 is jammed
    Message-ID: <a1b2c3@mail.example.com>
    In-Reply-To: <ticket-42-7@helpdesk.example.com>
    References: <ticket-42-7@helpdesk.example.com>
    MIME-Version: 1.0
    Content-Type: multipart/mixed; boundary="b1"

    --b1
    Content-Type: text/plain

    Bob, can you look at this? It is still jammed.

    --b1
    Content-Type: message/rfc822

    From: IT Helpdesk <support@helpdesk.example.com>
    Subject: [#42] Printer on floor 3 is jammed
    Message-ID: <ticket-42-7@helpdesk.example.com>
    Auto-Submitted: auto-generated
    X-Postdesk-Loop: helpdesk.example.com

    Your ticket #42 was received.

    --b1--
"""


def test_our_loop_header_naming_this_instance_is_a_loop() -> None:
    reason = RULE.check(parse(OUR_NOTIFICATION_REDIRECTED), CONTEXT)
    assert reason == "X-Postdesk-Loop: helpdesk.example.com names this instance"


def test_ticket_header_naming_this_instance_is_a_loop() -> None:
    message = parse("""\
        From: someone@example.org
        Subject: Re: [#7] VPN
        X-Postdesk-Ticket: 7@helpdesk.example.com

        hi
    """)
    assert RULE.check(message, CONTEXT) == "X-Postdesk-Ticket: 7@helpdesk.example.com names this instance"


def test_our_message_id_with_our_header_is_a_loop() -> None:
    message = parse("""\
        From: someone@example.org
        Subject: [#7] VPN
        Message-ID: <ticket-7-1@helpdesk.example.com>
        X-Postdesk-Ticket: 7

        hi
    """)
    reason = RULE.check(message, CONTEXT)
    assert reason == "Message-ID in our domain helpdesk.example.com with our X-Postdesk-Ticket header"


def test_support_address_with_auto_submitted_is_a_loop() -> None:
    message = parse("""\
        From: IT Helpdesk <Support@Helpdesk.Example.com>
        Subject: Your ticket
        Auto-Submitted: auto-replied

        hi
    """)
    reason = RULE.check(message, CONTEXT)
    assert reason == "From our support address support@helpdesk.example.com with Auto-Submitted: auto-replied"


def test_person_forwarding_our_notification_is_not_a_loop() -> None:
    # Our headers sit in the attached message, our Message-ID only in References.
    assert RULE.check(parse(PERSON_FORWARDS_OUR_MAIL), CONTEXT) is None


@pytest.mark.parametrize(
    "headers",
    [
        # Another Postdesk installation's loop header: not our loop.
        "X-Postdesk-Loop: helpdesk.example.org",
        # Our instance id only as part of a longer name.
        "X-Postdesk-Loop: helpdesk.example.com.evil.test",
        # A Message-ID in our domain alone: the company's own servers may mint those.
        "Message-ID: <1234@helpdesk.example.com>",
        # Our support address, but a person sent it (Auto-Submitted: no).
        "From: support@helpdesk.example.com\nAuto-Submitted: no",
    ],
)
def test_near_misses_are_not_loops(headers: str) -> None:
    message = parse("Subject: hello\n" + headers + "\n\nbody\n")
    assert RULE.check(message, CONTEXT) is None


def test_empty_instance_id_never_matches() -> None:
    context = ClassifyContext("helpdesk.example.com", frozenset(), instance_id="")
    assert RULE.check(parse("X-Postdesk-Loop: \n\nbody\n"), context) is None
