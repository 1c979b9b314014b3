"""bounce: DSNs, MTA failure notices and ARF complaints; who bounced, and for good or not."""

from __future__ import annotations

import email
import textwrap
from email import policy
from email.message import EmailMessage

from mailgateway.classify import ClassifyContext
from mailgateway.rules.bounce import Bounce, BounceReason

CONTEXT = ClassifyContext("helpdesk.example.com", frozenset({"support@helpdesk.example.com"}), "helpdesk.example.com")
RULE = Bounce()


def parse(text: str) -> EmailMessage:
    return email.message_from_bytes(textwrap.dedent(text).lstrip().encode(), policy=policy.default)


def bounce(text: str) -> BounceReason:
    reason = RULE.check(parse(text), CONTEXT)
    assert isinstance(reason, BounceReason), reason
    return reason


POSTFIX_DSN = """\
    Return-Path: <>
    From: MAILER-DAEMON@mx.example.org (Mail Delivery System)
    To: support@helpdesk.example.com
    Subject: Undelivered Mail Returned to Sender
    Auto-Submitted: auto-replied
    MIME-Version: 1.0
    Content-Type: multipart/report; report-type=delivery-status; boundary="dsn"

    --dsn
    Content-Type: text/plain

    I'm sorry to have to inform you that your message could not
    be delivered to one or more recipients.

    --dsn
    Content-Type: message/delivery-status

    Reporting-MTA: dns; mx.example.org
    Arrival-Date: Mon, 1 Jul 2024 10:00:00 +0200 (CEST)

    Final-Recipient: rfc822; alice.old@mailhost.example.org
    Original-Recipient: rfc822;Alice@example.org
    Action: failed
    Status: 5.1.1
    Diagnostic-Code: smtp; 550 5.1.1 <alice.old@mailhost.example.org>: User unknown

    --dsn
    Content-Type: message/rfc822

    From: IT Helpdesk <support@helpdesk.example.com>
    To: alice@example.org
    Subject: [#42] Printer on floor 3
    X-Postdesk-Loop: helpdesk.example.com

    Your ticket was received.
    --dsn--
"""


def test_rfc3464_dsn_names_the_original_recipient_and_is_permanent() -> None:
    reason = bounce(POSTFIX_DSN)
    assert reason == "delivery status notification: 5.x.x"
    assert reason.recipients == ("alice@example.org",)
    assert reason.permanent is True


def test_delayed_dsn_is_transient() -> None:
    reason = bounce("""\
        From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.org>
        To: support@helpdesk.example.com
        Subject: Warning: could not send message for past 4 hours
        MIME-Version: 1.0
        Content-Type: multipart/report; report-type=delivery-status; boundary="d"

        --d
        Content-Type: message/delivery-status

        Reporting-MTA: dns; mx.example.org

        Final-Recipient: RFC822; <bob@example.net>
        Action: delayed
        Status: 4.4.7
        --d--
    """)
    assert reason.recipients == ("bob@example.net",)
    assert reason.permanent is False


def test_success_report_is_a_bounce_kind_report_without_recipients() -> None:
    reason = bounce("""\
        From: MAILER-DAEMON@mx.example.org
        Subject: Successful Mail Delivery Report
        Content-Type: multipart/report; report-type=delivery-status; boundary="d"

        --d
        Content-Type: message/delivery-status

        Reporting-MTA: dns; mx.example.org

        Final-Recipient: rfc822; bob@example.net
        Action: delivered
        Status: 2.0.0
        --d--
    """)
    assert reason == "delivery status notification reporting success, no failed recipient"
    assert reason.recipients == ()
    assert reason.permanent is False


def test_qmail_failure_notice_found_by_flufl() -> None:
    reason = bounce("""\
        Return-Path: <>
        From: MAILER-DAEMON@mx4.example.jp
        To: support@helpdesk.example.com
        Subject: failure notice

        Hi. This is the qmail-send program at mx4.example.jp.
        I'm afraid I wasn't able to deliver your message to the following addresses.
        This is a permanent error; I've given up. Sorry it didn't work out.

        <kijitora@example.org>:
        192.0.2.153 does not like recipient.
        Remote host said: 550 5.1.1 <kijitora@example.org>... User Unknown
        Giving up on 192.0.2.153.

        --- Below this line is a copy of the message.

        Return-Path: <support@helpdesk.example.com>
        From: support@helpdesk.example.com
        To: kijitora@example.org
        Subject: [#7] VPN

        Hello.
    """)
    assert reason.startswith("failure notice: From mailer-daemon@mx4.example.jp")
    assert "flufl.bounce found failed recipients" in reason
    assert reason.recipients == ("kijitora@example.org",)
    assert reason.permanent is True


def test_exim_notice_with_x_failed_recipients() -> None:
    reason = bounce("""\
        From: Mail Delivery System <Mailer-Daemon@mail.example.net>
        To: support@helpdesk.example.com
        Subject: Mail delivery failed: returning message to sender
        Auto-Submitted: auto-replied
        X-Failed-Recipients: kijitora@example.com

        This message was created automatically by mail delivery software.

        A message that you sent could not be delivered to one or more of its
        recipients. This is a temporary error. The following address(es) deferred:

          kijitora@example.com
            SMTP error from remote mail server after RCPT TO:<kijitora@example.com>:
            451 4.2.2 Mailbox full, try again later

        ------ This is a copy of the message, including all the headers. ------

        From: support@helpdesk.example.com
    """)
    assert reason.recipients == ("kijitora@example.com",)
    assert reason.permanent is False


def test_arf_complaint_is_a_bounce_noted_as_complaint() -> None:
    reason = bounce("""\
        From: Yahoo! Mail AntiSpam Feedback <feedback@arf.mail.example.com>
        To: abuse@helpdesk.example.com
        Subject: FW: [#42] Printer
        MIME-Version: 1.0
        Content-Type: multipart/report; report-type=feedback-report; boundary="arf"

        --arf
        Content-Type: text/plain

        This is an email abuse report.
        --arf
        Content-Type: message/feedback-report

        Feedback-Type: abuse
        User-Agent: Yahoo!-Mail-Feedback/1.0
        Version: 1
        Original-Rcpt-To: carol@example.com

        --arf
        Content-Type: text/rfc822-headers

        From: support@helpdesk.example.com
        To: carol@example.com
        Subject: [#42] Printer
        --arf--
    """)
    assert reason == "complaint: ARF feedback report (feedback-type abuse)"
    assert reason.recipients == ("carol@example.com",)
    assert reason.permanent is False


def test_dsn_with_a_broken_boundary_is_still_a_bounce() -> None:
    reason = bounce("""\
        From: MAILER-DAEMON@mx.example.edu
        Subject: Returned mail: Service unavailable
        Content-Type: multipart/report; report-type=delivery-status; boundary="never-used"

        ----- The following addresses had permanent fatal errors -----
        <kijitora@example.edu>
        554 5.0.0 Service unavailable
    """)
    assert reason == "delivery status notification (unreadable report fields)"
    assert reason.recipients == ("kijitora@example.edu",)
    assert reason.permanent is True


def test_vacation_reply_with_null_sender_is_not_a_bounce() -> None:
    # RFC 3834 asks responders to send with an empty envelope sender, like bounces.
    message = parse("""\
        Return-Path: <>
        From: "Neko, Nyaan" <nekonyaan@example.org>
        To: support@helpdesk.example.com
        Subject: Automatic reply: [#42] Printer
        Auto-Submitted: auto-replied

        I am out of the office until May 5th and will have no access to e-mail.
    """)
    assert RULE.check(message, CONTEXT) is None


def test_person_forwarding_a_bounce_is_not_a_bounce() -> None:
    # "My mail bounced, can you help?" is a ticket; the DSN is inside the attachment.
    message = parse("""\
        From: Alice <alice@example.com>
        To: support@helpdesk.example.com
        Subject: Fwd: Undelivered Mail Returned to Sender
        MIME-Version: 1.0
        Content-Type: multipart/mixed; boundary="fwd"

        --fwd
        Content-Type: text/plain

        My mail to our supplier bounced, what does user unknown mean?
        --fwd
        Content-Type: message/rfc822

        From: MAILER-DAEMON@mx.example.org (Mail Delivery System)
        Subject: Undelivered Mail Returned to Sender
        MIME-Version: 1.0
        Content-Type: multipart/report; report-type=delivery-status; boundary="dsn"

        --dsn
        Content-Type: message/delivery-status

        Final-Recipient: rfc822; sales@supplier.example
        Action: failed
        Status: 5.1.1
        --dsn--
        --fwd--
    """)
    assert RULE.check(message, CONTEXT) is None


def test_person_describing_a_delivery_problem_is_not_a_bounce() -> None:
    message = parse("""\
        From: Bob <bob@example.com>
        To: support@helpdesk.example.com
        Subject: Mail delivery problem
        Message-ID: <b0b@example.com>

        Since this morning my mail could not be delivered to anyone outside,
        I get "550 5.1.1 user unknown" for sales@supplier.example.
    """)
    assert RULE.check(message, CONTEXT) is None


def test_monitoring_alert_from_no_reply_is_not_a_bounce() -> None:
    message = parse("""\
        From: Monitoring <no-reply@monitor.example.com>
        To: support@helpdesk.example.com
        Subject: Mailbox full on mail01

        The mailbox is full on mail01 (98% quota).
    """)
    assert RULE.check(message, CONTEXT) is None
