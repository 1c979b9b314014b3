"""The SMTP and LMTP receivers, spoken to over real sockets on 127.0.0.1."""

from __future__ import annotations

import smtplib
import socket

import pytest
from sqlalchemy import func, select

from core.catalog import add_path
from core.db import unit_of_work
from core.models import InboundMessage, InboundSource, RecipientRoute, Ticket
from core.runtime import Runtime
from mailgateway.intake import Gateway
from mailgateway.listener import Endpoint
from tests.mail_fixtures import SUPPORT, build_mail
from tests.outages import database_down


def _tickets(runtime: Runtime) -> int:
    with runtime.sessions() as session:
        return session.scalar(select(func.count()).select_from(Ticket)) or 0


def test_smtp_delivery_creates_a_ticket(smtp_receiver: Endpoint, runtime: Runtime) -> None:
    with smtplib.SMTP(smtp_receiver.host, smtp_receiver.port, timeout=10) as client:
        code, _ = client.ehlo("client.corp.example")
        assert code == 250
        assert client.has_extn("size")
        refused = client.sendmail("alice@corp.example", [SUPPORT], build_mail())
    assert refused == {}
    assert _tickets(runtime) == 1
    with runtime.sessions() as session:
        row = session.scalars(select(InboundMessage)).one()
        assert row.source is InboundSource.SMTP
        assert row.envelope_from == "alice@corp.example"


def test_unknown_recipient_is_refused_at_rcpt(smtp_receiver: Endpoint, runtime: Runtime) -> None:
    with smtplib.SMTP(smtp_receiver.host, smtp_receiver.port, timeout=10) as client:
        client.ehlo()
        client.mail("alice@corp.example")
        code, message = client.rcpt("nobody@helpdesk.example.com")
    assert (code, message[:5]) == (550, b"5.1.1")
    assert _tickets(runtime) == 0


def test_oversized_message_is_refused_with_552(gateway: Gateway, runtime: Runtime, smtp_receiver: Endpoint) -> None:
    limit = gateway.max_message_bytes
    with smtplib.SMTP(smtp_receiver.host, smtp_receiver.port, timeout=30) as client:
        client.ehlo()
        assert int(client.esmtp_features["size"]) == limit
        big = build_mail(body="x" * 76 + "\n") + (b"y" * 76 + b"\r\n") * (limit // 78 + 10)
        with pytest.raises(smtplib.SMTPSenderRefused) as refused:
            client.sendmail("alice@corp.example", [SUPPORT], big)
    assert refused.value.smtp_code == 552
    assert _tickets(runtime) == 0


def _lmtp_dialogue(endpoint: Endpoint, recipients: list[str], raw: bytes) -> list[bytes]:
    """Speak LMTP by hand, as Postfix does, and return the replies after the final dot."""
    with socket.create_connection((endpoint.host, endpoint.port), timeout=10) as sock:
        stream = sock.makefile("rwb")
        assert stream.readline().startswith(b"220")
        stream.write(b"LHLO mx.corp.example\r\n")
        stream.flush()
        while not stream.readline().startswith(b"250 "):
            pass
        stream.write(b"MAIL FROM:<alice@corp.example>\r\n")
        stream.flush()
        assert stream.readline().startswith(b"250")
        for recipient in recipients:
            stream.write(f"RCPT TO:<{recipient}>\r\n".encode())
            stream.flush()
            assert stream.readline().startswith(b"250")
        stream.write(b"DATA\r\n")
        stream.flush()
        assert stream.readline().startswith(b"354")
        stream.write(raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n") + b".\r\n")
        stream.flush()
        return [stream.readline() for _ in recipients]


def test_lmtp_answers_once_per_recipient(runtime: Runtime, lmtp_receiver: Endpoint) -> None:
    with unit_of_work(runtime.sessions) as session:
        hr = add_path(session, "HR")
        session.add(RecipientRoute(address="hr-help@helpdesk.example.com", group=hr.group))
    replies = _lmtp_dialogue(lmtp_receiver, [SUPPORT, "hr-help@helpdesk.example.com"], build_mail())
    assert [reply[:3] for reply in replies] == [b"250", b"250"]
    assert _tickets(runtime) == 1


def test_database_down_gives_451_and_retry_succeeds(request: pytest.FixtureRequest, runtime: Runtime, smtp_receiver: Endpoint) -> None:
    """SQLite: the database file's directory disappears; PostgreSQL: the server is stopped."""
    raw = build_mail(message_id="<retry-me@corp.example>")
    with database_down(request, runtime):
        with smtplib.SMTP(smtp_receiver.host, smtp_receiver.port, timeout=30) as client:
            with pytest.raises(smtplib.SMTPDataError) as error:
                client.sendmail("alice@corp.example", [SUPPORT], raw)
        assert error.value.smtp_code == 451
        assert error.value.smtp_error.startswith(b"4.3.0")
    with smtplib.SMTP(smtp_receiver.host, smtp_receiver.port, timeout=30) as client:
        client.sendmail("alice@corp.example", [SUPPORT], raw)
        client.sendmail("alice@corp.example", [SUPPORT], raw)
    assert _tickets(runtime) == 1



def test_lmtp_on_a_unix_socket(gateway: Gateway, runtime: Runtime, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Postfix's `lmtp:unix:/path` transport."""
    from mailgateway.listener import start_receiver

    path = tmp_path / "lmtp.sock"
    controller = start_receiver(gateway, InboundSource.LMTP, Endpoint(unix_path=str(path)))
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(10)
            sock.connect(str(path))
            stream = sock.makefile("rwb")
            assert stream.readline().startswith(b"220")
            for command, expected in ((b"LHLO mx\r\n", b"250 "), (b"MAIL FROM:<a@corp.example>\r\n", b"250"),
                                      (f"RCPT TO:<{SUPPORT}>\r\n".encode(), b"250"), (b"DATA\r\n", b"354")):
                stream.write(command)
                stream.flush()
                line = stream.readline()
                while line.startswith(b"250-"):
                    line = stream.readline()
                assert line.startswith(expected), line
            stream.write(build_mail() + b".\r\n")
            stream.flush()
            assert stream.readline().startswith(b"250")
    finally:
        controller.stop()
    assert _tickets(runtime) == 1
