"""list_mail: mailing-list mail suppresses our auto-answer but changes no kind."""

from __future__ import annotations

import email
import textwrap
from email import policy
from email.message import EmailMessage

import pytest

from mailgateway.classify import ClassifyContext, MailKind
from mailgateway.rules.list_mail import ListMail

CONTEXT = ClassifyContext("helpdesk.example.com", frozenset({"support@helpdesk.example.com"}), "helpdesk.example.com")
RULE = ListMail()


def parse(text: str) -> EmailMessage:
    return email.message_from_bytes(textwrap.dedent(text).lstrip().encode(), policy=policy.default)


def test_mailman_post() -> None:
    message = parse("""\
        From: Carol <carol@example.org>
        To: it-users@lists.example.com
        Subject: [it-users] Wi-Fi down in building B?
        List-Id: IT users <it-users.lists.example.com>
        List-Unsubscribe: <mailto:it-users-leave@lists.example.com>
        X-Mailman-Version: 3.3.8

        Anyone else?
    """)
    assert RULE.check(message, CONTEXT) == "mailing-list header List-Id: IT users <it-users.lists.example.com>"
    assert RULE.kind is MailKind.NORMAL


@pytest.mark.parametrize(
    "header",
    [
        "List-Unsubscribe: <mailto:list-leave@example.com>",
        "List-Post: <mailto:list@example.com>",
        "Mailing-List: contact nyaan-help@example.org; run by ezmlm",
        "X-Mailman-Version: 2.1.39",
    ],
)
def test_list_headers(header: str) -> None:
    assert RULE.check(parse(f"From: a@example.com\n{header}\n\nbody\n"), CONTEXT) is not None


def test_person_writing_to_us_is_no_list_mail() -> None:
    message = parse("""\
        From: Alice <alice@example.com>
        To: support@helpdesk.example.com
        Subject: VPN broken
        Reply-To: Alice <alice@example.com>
        X-Mailer: Thunderbird

        Help!
    """)
    assert RULE.check(message, CONTEXT) is None
