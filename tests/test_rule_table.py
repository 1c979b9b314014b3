"""The rule table and the classify() loop: every hit recorded, the kind by precedence."""

from __future__ import annotations

import email
import textwrap
from email import policy
from email.message import EmailMessage, Message

import pytest

from mailgateway import classify as classify_module
from mailgateway.classify import ClassifyContext, MailKind, RuleHit, Verdict, classify
from mailgateway.rules import CLASSIFY_RULES

CONTEXT = ClassifyContext("helpdesk.example.com", frozenset({"support@helpdesk.example.com"}), "helpdesk.example.com")


def parse(text: str) -> EmailMessage:
    return email.message_from_bytes(textwrap.dedent(text).lstrip().encode(), policy=policy.default)


def test_every_rule_has_a_unique_name_a_description_and_a_kind() -> None:
    names = [rule.name for rule in CLASSIFY_RULES]
    assert len(names) == len(set(names))
    for rule in CLASSIFY_RULES:
        assert rule.description and "\n" not in rule.description
        assert isinstance(rule.kind, MailKind)


def test_a_person_writing_in_is_normal_with_no_hits() -> None:
    verdict = classify(parse("""\
        From: Alice <alice@example.com>
        To: support@helpdesk.example.com
        Subject: Printer on floor 3 is jammed
        Message-ID: <a1@example.com>

        Paper everywhere.
    """), CONTEXT)
    assert verdict == Verdict(MailKind.NORMAL, (), False, (), False)
    assert verdict.reason == ""


def test_exim_bounce_saying_auto_replied_is_a_bounce_with_both_hits() -> None:
    verdict = classify(parse("""\
        Return-path: <>
        From: Mail Delivery System <Mailer-Daemon@mail.example.net>
        To: support@helpdesk.example.com
        Subject: Mail delivery failed: returning message to sender
        Auto-Submitted: auto-replied
        X-Failed-Recipients: kijitora@example.com

        A message that you sent could not be delivered to one or more of its
        recipients. This is a permanent error. The following address(es) failed:

          kijitora@example.com
            SMTP error from remote mail server after RCPT TO:<kijitora@example.com>:
            550 5.1.1 User unknown
    """), CONTEXT)
    assert verdict.kind is MailKind.BOUNCE
    assert [hit.rule for hit in verdict.hits] == ["bounce", "auto_submitted_header"]
    assert verdict.bounced_recipients == ("kijitora@example.com",)
    assert verdict.permanent_bounce is True
    assert verdict.suppress_auto_answer is True
    assert verdict.reason.endswith("; Auto-Submitted: auto-replied")


def test_our_own_auto_reply_is_a_loop_before_an_auto_reply() -> None:
    verdict = classify(parse("""\
        From: IT Helpdesk <support@helpdesk.example.com>
        To: support@helpdesk.example.com
        Subject: [#42] We received your request
        Auto-Submitted: auto-generated
        X-Postdesk-Loop: helpdesk.example.com

        Thank you.
    """), CONTEXT)
    assert verdict.kind is MailKind.LOOP
    assert verdict.hits[0] == RuleHit("our_own_mail", "X-Postdesk-Loop: helpdesk.example.com names this instance")
    assert "auto_submitted_header" in [hit.rule for hit in verdict.hits]
    assert verdict.bounced_recipients == ()


def test_list_post_stays_normal_but_is_never_answered() -> None:
    verdict = classify(parse("""\
        From: Carol <carol@example.org>
        To: it-users@lists.example.com
        Subject: [it-users] Wi-Fi down in building B?
        Precedence: list
        List-Id: IT users <it-users.lists.example.com>

        Anyone else?
    """), CONTEXT)
    assert verdict.kind is MailKind.NORMAL
    assert verdict.suppress_auto_answer is True
    assert [hit.rule for hit in verdict.hits] == ["list_mail"]


def test_a_failing_rule_counts_as_a_miss(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    class Broken:
        name = "broken"
        description = "Always raises."
        kind = MailKind.LOOP

        def check(self, message: Message, context: ClassifyContext) -> str | None:
            raise RuntimeError("bug")

    monkeypatch.setattr(classify_module, "CLASSIFY_RULES", (Broken(), *CLASSIFY_RULES))
    verdict = classify(parse("From: a@example.com\nAuto-Submitted: auto-generated\n\nx\n"), CONTEXT)
    assert verdict.kind is MailKind.AUTO_REPLY
    assert "broken" in caplog.text


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"From: =?utf-8?Q?attacker?Q?agent?=@victim.example\nTo: ,,,@@\nSubject: =?bogus?B?////?=\n\nx",
        b"From: <>\nReturn-Path: <>\nMessage-ID: <@>\nContent-Type: multipart/report; boundary=\n\n--\n",
        b"Content-Type: multipart/report; report-type=delivery-status; boundary=b\n\n--b\n"
        b"Content-Type: message/delivery-status\n\nFinal-Recipient: ;;;\nAction:\n\n--b\n"
        b"Content-Type: message/rfc822\n\n--b--\n",
        b"From: MAILER-DAEMON\nContent-Type: text/plain; charset=x-unknown\n"
        b"Content-Transfer-Encoding: base64\n\n!!!\xff\xfe",
        b"X-Postdesk-Loop: \xff\xfe\nFrom: \xc3(\nAuto-Submitted: \x00\n\n",
    ],
)
def test_classify_never_raises_on_malformed_mail(raw: bytes, caplog: pytest.LogCaptureFixture) -> None:
    verdict = classify(email.message_from_bytes(raw, policy=policy.default), CONTEXT)
    assert isinstance(verdict.kind, MailKind)
    assert "failed; treated as no match" not in caplog.text
