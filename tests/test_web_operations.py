"""The staff's mail operations pages: inbound log with raw source and reprocess, outbox with
resend, and the local mail sink. Real pipeline, real worker, real relay."""

from __future__ import annotations

from email import message_from_bytes, policy

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import func, select

from core.config import Settings, load_settings
from core.db import unit_of_work
from core.models import InboundMessage, OutboxMessage, OutboxStatus, Outcome, Ticket
from core.runtime import Runtime
from mailgateway.intake import Gateway
from postdesk.worker.delivery import deliver_due
from postdesk.worker.transports import MailSink, SmtpRelay
from tests.db_fixtures import environment_for
from tests.mail_fixtures import build_mail, deliver
from tests.relay import Relay
from tests.web_helpers import AGENT, add_people, client_for, flashes, make_app, post, text


@pytest.fixture
def app(runtime: Runtime) -> Flask:
    add_people(runtime)
    return make_app(runtime)


@pytest.fixture
def agent(app: Flask) -> FlaskClient:
    return client_for(app, AGENT)


def _inbound(runtime: Runtime, inbound_id: int) -> InboundMessage:
    with runtime.sessions() as session:
        row = session.get(InboundMessage, inbound_id)
        assert row is not None
        return row


def _tickets(runtime: Runtime) -> int:
    with runtime.sessions() as session:
        return session.scalar(select(func.count()).select_from(Ticket)) or 0


def test_a_quarantined_mail_is_reprocessed_from_the_page_into_a_ticket(
    gateway: Gateway, runtime: Runtime, agent: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stand-in for a bug quarantines the mail; with the bug gone, the button opens the ticket."""
    from mailgateway.stages import route

    def broken(_intake: object) -> None:
        raise RuntimeError("rules engine exploded")

    monkeypatch.setattr(route, "route_new_ticket", broken)
    body = "Hello,\n<script>alert('raw')</script> the printer is jammed.\n"
    quarantined = deliver(gateway, build_mail(message_id="<crash@corp.example>", body=body))
    assert quarantined.outcome is Outcome.QUARANTINED
    monkeypatch.undo()

    listing = agent.get("/admin/inbound?outcome=quarantined")
    assert listing.status_code == 200
    assert f'href="/admin/inbound/{quarantined.inbound_id}"' in listing.get_data(as_text=True)
    assert "rules engine exploded" in text(listing)

    page = agent.get(f"/admin/inbound/{quarantined.inbound_id}")
    source = page.get_data(as_text=True)
    assert "&lt;script&gt;alert(&#39;raw&#39;)&lt;/script&gt;" in source, "the raw source is escaped text"
    assert "<script>alert" not in source
    assert "Message-ID: &lt;crash@corp.example&gt;" in source

    done = post(agent, f"/admin/inbound/{quarantined.inbound_id}/reprocess", follow=True)
    row = _inbound(runtime, quarantined.inbound_id)
    assert (row.outcome, row.ticket_id) == (Outcome.TICKET_CREATED, 1)
    assert _tickets(runtime) == 1
    assert ("success", "Reprocessed: ticket created: ticket #1.") in flashes(done)

    again = post(agent, f"/admin/inbound/{quarantined.inbound_id}/reprocess", follow=True)
    assert any(kind == "error" and "only failed or ignored mail is re-run" in words for kind, words in flashes(again))
    assert _tickets(runtime) == 1, "reprocessing what made a ticket would double it"


def test_the_raw_source_downloads_as_an_attachment(gateway: Gateway, agent: FlaskClient) -> None:
    raw = build_mail(message_id="<raw@corp.example>")
    result = deliver(gateway, raw)
    response = agent.get(f"/admin/inbound/{result.inbound_id}/raw")
    assert response.status_code == 200
    assert response.mimetype == "message/rfc822"
    assert response.headers["Content-Disposition"] == f"attachment; filename=inbound-{result.inbound_id}.eml"
    assert response.data == raw
    assert agent.get("/admin/inbound/4242").status_code == 404


def test_inbound_filter_and_paging(gateway: Gateway, agent: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from webadmin import operations

    monkeypatch.setattr(operations, "PAGE_SIZE", 2)
    ids = [deliver(gateway, build_mail(sender=f"user{n}@corp.example")).inbound_id for n in range(3)]
    first = agent.get("/admin/inbound").get_data(as_text=True)
    assert f'href="/admin/inbound/{ids[2]}"' in first and f'href="/admin/inbound/{ids[0]}"' not in first
    older = agent.get(f"/admin/inbound?before={ids[1]}").get_data(as_text=True)
    assert f'href="/admin/inbound/{ids[0]}"' in older
    assert "No mail with this outcome" in agent.get("/admin/inbound?outcome=bounce").get_data(as_text=True)
    assert agent.get("/admin/inbound?outcome=nonsense").status_code == 400


def _relay_transport(settings: Settings, relay: Relay) -> SmtpRelay:
    env = environment_for(settings.data_dir, settings.database_url,
                          POSTDESK_SMTP_HOST="127.0.0.1", POSTDESK_SMTP_PORT=str(relay.port))
    return SmtpRelay(load_settings(env))


def test_resend_puts_a_failed_mail_back_and_the_worker_delivers_it(
    gateway: Gateway, runtime: Runtime, settings: Settings, relay: Relay, agent: FlaskClient
) -> None:
    deliver(gateway, build_mail())
    transport = _relay_transport(settings, relay)
    relay.handler.answer = "550 5.7.1 Relaying denied"
    deliver_due(runtime, transport)
    failed = agent.get("/admin/outbox?status=failed")
    assert "550 5.7.1 Relaying denied" in text(failed)
    with runtime.sessions() as session:
        [row_id] = session.scalars(select(OutboxMessage.id)).all()

    relay.handler.answer = "250 OK"
    done = post(agent, f"/admin/outbox/{row_id}/resend", back="/admin/outbox?status=failed")
    assert done.headers["Location"] == "/admin/outbox?status=failed"
    with runtime.sessions() as session:
        assert session.get_one(OutboxMessage, row_id).status is OutboxStatus.PENDING
    assert deliver_due(runtime, transport) == 1
    [mail] = relay.received
    assert mail["Subject"] == "[#1] Printer on 3rd floor is jammed"
    assert "Sent" in text(agent.get("/admin/outbox?status=sent"))

    queued = post(agent, f"/admin/outbox/{row_id}/resend", follow=True)
    assert ("success", f"Mail #{row_id} is queued again.") in flashes(queued)
    twice = post(agent, f"/admin/outbox/{row_id}/resend", follow=True)
    assert ("error", f"outbox message #{row_id} is already queued") in flashes(twice)


def test_resend_never_redirects_off_the_site(gateway: Gateway, runtime: Runtime, agent: FlaskClient) -> None:
    deliver(gateway, build_mail())
    with unit_of_work(runtime.sessions) as session:
        row = session.scalars(select(OutboxMessage)).one()
        row.status = OutboxStatus.FAILED
    response = post(agent, f"/admin/outbox/{row.id}/resend", back="https://evil.example/")
    assert response.headers["Location"] == "/admin/outbox"


def test_the_mail_sink_page_lists_and_shows_what_the_worker_wrote(
    gateway: Gateway, runtime: Runtime, agent: FlaskClient
) -> None:
    deliver(gateway, build_mail(subject="Drucker im 3. Stock klemmt"))
    with unit_of_work(runtime.sessions) as session:
        ack = session.scalars(select(OutboxMessage)).one()
        ack.body_html = '<p>Hi <img src="x" onerror="window.owned=1"><script>window.owned=1</script><b>there</b></p>'
    sink = MailSink(runtime.settings.mail_sink_dir)
    assert deliver_due(runtime, sink) == 1
    [written] = list(sink.folder.iterdir())

    listing = agent.get("/admin/mail-sink")
    assert "[#1] Drucker im 3. Stock klemmt" in text(listing)
    assert f'href="/admin/mail-sink/{written.name}"' in listing.get_data(as_text=True)

    page = agent.get(f"/admin/mail-sink/{written.name}")
    shown = page.get_data(as_text=True)
    wire = message_from_bytes(written.read_bytes(), policy=policy.default)
    assert page.status_code == 200
    assert f"<dt>Message-ID</dt><dd>{escape(wire['Message-ID'])}</dd>" in shown
    assert "<dt>Auto-Submitted</dt><dd>auto-generated</dd>" in shown
    assert "we have received your request and opened ticket #1" in text(page)
    assert "<b>there</b>" in shown, "the HTML part is shown, sanitised"
    assert "onerror" not in shown and "<script>" not in shown


@pytest.mark.parametrize("name", ["..%2Fsecret_key", ".hidden.eml", "missing.eml", "secret_key"])
def test_the_mail_sink_opens_only_its_own_files(runtime: Runtime, agent: FlaskClient, name: str) -> None:
    folder = runtime.settings.mail_sink_dir
    folder.mkdir(parents=True)
    (folder / ".hidden.eml").write_bytes(b"Subject: hidden\r\n\r\nx\r\n")
    assert agent.get(f"/admin/mail-sink/{name}").status_code == 404
