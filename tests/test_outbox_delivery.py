"""The worker delivers the outbox to a real SMTP relay (aiosmtpd on 127.0.0.1):
threaded headers, replies that land on the ticket, retries, failures, exactly-once."""

from __future__ import annotations

import threading
from datetime import timedelta
from email import policy

from sqlalchemy import select, update

from core.config import Settings, load_settings
from core.db import unit_of_work
from core.models import (
    MessageKind,
    OutboxMessage,
    OutboxStatus,
    Outcome,
    Role,
    Ticket,
    utcnow,
)
from core.runtime import Runtime
from core.tickets import MessageBody, NewAttachment, add_message, get_ticket
from core.users import add_user
from mailgateway.intake import Gateway
from postdesk.worker.delivery import deliver_due
from postdesk.worker.transports import MailSink, SmtpRelay
from tests.cli_helpers import postdesk
from tests.db_fixtures import environment_for
from tests.mail_fixtures import build_mail, deliver
from tests.relay import Relay


def _relay_settings(settings: Settings, relay: Relay) -> Settings:
    return load_settings(environment_for(settings.data_dir, settings.database_url,
                                         POSTDESK_SMTP_HOST="127.0.0.1", POSTDESK_SMTP_PORT=str(relay.port)))


def _rows(runtime: Runtime) -> list[OutboxMessage]:
    with runtime.sessions() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def _make_due(runtime: Runtime) -> None:
    """Stand-in for waiting out the backoff: the retry time is moved to now."""
    with unit_of_work(runtime.sessions) as session:
        session.execute(update(OutboxMessage).values(next_attempt_at=utcnow() - timedelta(seconds=1)))


def test_acknowledgement_reaches_the_relay_threaded_and_a_reply_lands_on_the_ticket(
    gateway: Gateway, runtime: Runtime, settings: Settings, relay: Relay
) -> None:
    number = deliver(gateway, build_mail(message_id="<first@corp.example>")).ticket
    assert deliver_due(runtime, SmtpRelay(_relay_settings(settings, relay))) == 1
    [ack] = relay.received
    assert ack["Subject"] == f"[#{number}] Printer on 3rd floor is jammed"
    assert ack["To"] == "alice@corp.example"
    assert ack["From"].addresses[0].addr_spec == "support@helpdesk.example.com"
    assert ack["Reply-To"] == "support@helpdesk.example.com"
    assert ack["In-Reply-To"] == "<first@corp.example>"
    assert "<first@corp.example>" in ack["References"]
    assert ack["Message-ID"].endswith("@helpdesk.example.com>")
    assert ack["Auto-Submitted"] == "auto-generated"
    assert _rows(runtime)[0].status is OutboxStatus.SENT

    for subject in ("Re: your request", f"Re: [#{number}] Printer"):
        reply = build_mail(subject=subject, In_Reply_To=ack["Message-ID"], References=f"<first@corp.example> {ack['Message-ID']}")
        result = deliver(gateway, reply)
        assert (result.outcome, result.ticket) == (Outcome.COMMENT_ADDED, number)


def test_relay_down_then_up_loses_nothing_and_sends_nothing_twice(
    gateway: Gateway, runtime: Runtime, settings: Settings, relay: Relay
) -> None:
    for index in range(3):
        deliver(gateway, build_mail(sender=f"user{index}@corp.example"))
    transport = SmtpRelay(_relay_settings(settings, relay))
    relay.stop()
    assert deliver_due(runtime, transport) == 3
    assert all(row.status is OutboxStatus.PENDING and row.attempts == 1 and row.last_error for row in _rows(runtime))
    assert deliver_due(runtime, transport) == 0, "nothing is due before the backoff has passed"
    relay.start()
    _make_due(runtime)
    assert deliver_due(runtime, transport) == 3
    deliver_due(runtime, transport)
    assert len(relay.received) == 3
    assert {row.status for row in _rows(runtime)} == {OutboxStatus.SENT}


def test_a_5xx_fails_at_once_with_the_error_and_resend_works(
    gateway: Gateway, runtime: Runtime, settings: Settings, relay: Relay
) -> None:
    deliver(gateway, build_mail())
    relay.handler.answer = "550 5.7.1 Relaying denied"
    transport = SmtpRelay(_relay_settings(settings, relay))
    deliver_due(runtime, transport)
    [row] = _rows(runtime)
    assert row.status is OutboxStatus.FAILED
    assert "550 5.7.1 Relaying denied" in row.last_error
    relay.handler.answer = "250 OK"
    resent = postdesk(settings, "outbox", "resend", str(row.id))
    assert resent.returncode == 0, resent.stderr
    deliver_due(runtime, transport)
    assert _rows(runtime)[0].status is OutboxStatus.SENT
    assert len(relay.received) == 1


def test_a_4xx_retries_with_backoff_until_the_last_attempt(gateway: Gateway, runtime: Runtime, settings: Settings, relay: Relay) -> None:
    from core.outbox import MAX_ATTEMPTS

    deliver(gateway, build_mail())
    relay.handler.answer = "451 4.3.0 Try later"
    transport = SmtpRelay(_relay_settings(settings, relay))
    for _ in range(MAX_ATTEMPTS):
        _make_due(runtime)
        deliver_due(runtime, transport)
    [row] = _rows(runtime)
    assert (row.status, row.attempts) == (OutboxStatus.FAILED, MAX_ATTEMPTS)
    assert "451 4.3.0" in row.last_error


def test_a_worker_that_dies_mid_delivery_leaves_the_row_for_the_next(gateway: Gateway, runtime: Runtime, settings: Settings, relay: Relay) -> None:
    """The claim is a lease: a worker that claimed and died (no record) does not block the row
    forever; once the lease is over, it is sent (at most once more)."""
    from postdesk.worker.delivery import _claim

    deliver(gateway, build_mail())
    assert _claim(runtime) is not None
    transport = SmtpRelay(_relay_settings(settings, relay))
    assert deliver_due(runtime, transport) == 0, "the lease holds while the first worker could still be sending"
    _make_due(runtime)
    assert deliver_due(runtime, transport) == 1
    assert len(relay.received) == 1


def test_two_workers_deliver_every_row_exactly_once(gateway: Gateway, runtime: Runtime, settings: Settings, relay: Relay) -> None:
    requester = _any_user(gateway)
    with unit_of_work(runtime.sessions) as session:
        ticket = Ticket(title="bulk", requester_id=requester, source="email")
        session.add(ticket)
        session.flush()
        for index in range(500):
            session.add(OutboxMessage(ticket_id=ticket.id, template="bulk", recipients=f"r{index}@corp.example",
                                      subject=f"n{index}", body_text="x", message_id=f"bulk.{index}@helpdesk.example.com"))
    relay_settings = _relay_settings(settings, relay)
    workers = [Runtime(relay_settings) for _ in range(2)]
    counts: list[int] = []
    threads = [threading.Thread(target=lambda rt=rt: counts.append(deliver_due(rt, SmtpRelay(relay_settings), limit=1000))) for rt in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = [message["Message-ID"] for message in relay.received]
    assert len(ids) == 500 and len(set(ids)) == 500
    assert sum(counts) == 500
    assert all(count > 0 for count in counts), f"both workers should have worked: {counts}"
    for rt in workers:
        rt.engine.dispose()


def _any_user(gateway: Gateway) -> int:
    with unit_of_work(gateway.sessions) as session:
        return add_user(session, "bulk@corp.example", role=Role.CLIENT).id


def test_without_a_relay_mail_goes_to_the_local_sink(gateway: Gateway, runtime: Runtime, settings: Settings) -> None:
    deliver(gateway, build_mail())
    sink = settings.data_dir / "mail-sink"
    deliver_due(runtime, MailSink(sink))
    [saved] = list(sink.glob("*.eml"))
    from email import message_from_bytes

    parsed = message_from_bytes(saved.read_bytes(), policy=policy.default)
    assert parsed["Subject"].startswith("[#")
    assert _rows(runtime)[0].status is OutboxStatus.SENT


def test_text_attachments_name_their_charset_and_every_file_arrives_intact(
    gateway: Gateway, runtime: Runtime, settings: Settings, relay: Relay
) -> None:
    """A UTF-8 text file says so (else readers take it for US-ASCII); a text file in another
    charset is not labelled UTF-8; a binary file gets no charset."""
    files = {
        "notes.txt": ("text/plain", "Grüße aus Köln – 東京\n".encode()),
        "legacy.csv": ("text/csv", "Müller;Straße\n".encode("latin-1")),
        "pixel.png": ("image/png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
    }
    number = deliver(gateway, build_mail()).ticket
    assert number is not None
    with unit_of_work(runtime.sessions) as session:
        agent = add_user(session, "agent@corp.example", role=Role.AGENT)
        stored = tuple(
            NewAttachment(filename=name, content_type=ctype, size=len(data), sha256=runtime.blobs.put(data).sha256)
            for name, (ctype, data) in files.items()
        )
        add_message(session, get_ticket(session, number), author=agent, kind=MessageKind.WEB,
                    body=MessageBody(text="Files attached.", attachments=stored))  # fmt: skip
    deliver_due(runtime, SmtpRelay(_relay_settings(settings, relay)))
    reply = next(mail for mail in relay.received if "Files attached." in mail.get_body(("plain",)).get_content())
    parts = {part.get_filename(): part for part in reply.iter_attachments()}
    assert {name: part.get_param("charset") for name, part in parts.items()} == {
        "notes.txt": "utf-8", "legacy.csv": None, "pixel.png": None,
    }
    assert {name: part.get_content_type() for name, part in parts.items()} == {n: t for n, (t, _) in files.items()}
    assert {name: part.get_payload(decode=True) for name, part in parts.items()} == {n: d for n, (_, d) in files.items()}
    assert parts["notes.txt"].get_content() == "Grüße aus Köln – 東京\n"
