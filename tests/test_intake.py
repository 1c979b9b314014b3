"""The intake pipeline end to end through `ingest()`: every outcome, threading and its guards."""

from __future__ import annotations

from sqlalchemy import func, select

from core.models import InboundMessage, MessageKind, OutboxMessage, Outcome, Status, Ticket, TicketLink, User
from core.runtime import Runtime
from core.tickets import change_status, get_ticket
from mailgateway.intake import Gateway
from tests.mail_fixtures import SUPPORT, build_mail, deliver


def _count(runtime: Runtime, model: type) -> int:
    with runtime.sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_new_mail_opens_ticket_with_acknowledgement(gateway: Gateway, runtime: Runtime) -> None:
    result = deliver(gateway, build_mail(sender="Alice Example <Alice@Corp.Example>", message_id="<m1@corp.example>"))
    assert result.outcome is Outcome.TICKET_CREATED
    with runtime.sessions() as session:
        ticket = get_ticket(session, result.ticket)
        assert ticket.title == "Printer on 3rd floor is jammed"
        assert ticket.requester.email == "alice@corp.example"
        assert ticket.requester.name == "Alice Example"
        assert ticket.status is Status.NEW
        assert ticket.messages[0].kind is MessageKind.EMAIL_IN
        assert "printer is jammed" in ticket.messages[0].text
        ack = session.scalars(select(OutboxMessage)).one()
        assert ack.recipients == "alice@corp.example"
        assert ack.subject == f"[#{ticket.id}] Printer on 3rd floor is jammed"
        assert ack.in_reply_to == "m1@corp.example"
        assert ack.automatic


def test_same_message_twice_is_a_duplicate(gateway: Gateway, runtime: Runtime) -> None:
    raw = build_mail(message_id="<same@corp.example>")
    first = deliver(gateway, raw)
    second = deliver(gateway, raw)
    assert second.outcome is Outcome.DUPLICATE
    assert second.ticket == first.ticket
    assert _count(runtime, Ticket) == 1
    assert _count(runtime, InboundMessage) == 2


def test_message_without_message_id_is_deduped_by_its_bytes(gateway: Gateway, runtime: Runtime) -> None:
    raw = b"From: bob@corp.example\r\nTo: support@helpdesk.example.com\r\nSubject: no id\r\n\r\nbody\r\n"
    assert deliver(gateway, raw).outcome is Outcome.TICKET_CREATED
    assert deliver(gateway, raw).outcome is Outcome.DUPLICATE
    assert _count(runtime, Ticket) == 1


def test_reply_with_token_becomes_comment(gateway: Gateway, runtime: Runtime) -> None:
    number = deliver(gateway, build_mail()).ticket
    reply = build_mail(subject=f"Re: [#{number}] Printer on 3rd floor is jammed", body="It works now.\n\nOn Mon, Alice wrote:\n> old text")
    result = deliver(gateway, reply)
    assert result.outcome is Outcome.COMMENT_ADDED
    assert result.ticket == number
    with runtime.sessions() as session:
        comment = get_ticket(session, number).messages[-1]
        assert comment.text.strip() == "It works now."
        assert "old text" in comment.full_text


def test_reply_to_our_message_id_threads_without_token(gateway: Gateway, runtime: Runtime) -> None:
    number = deliver(gateway, build_mail()).ticket
    with runtime.sessions() as session:
        ours = session.scalars(select(OutboxMessage.message_id)).one()
    reply = build_mail(subject="Re: your request", In_Reply_To=f"<{ours}>", References=f"<{ours}>")
    result = deliver(gateway, reply)
    assert (result.outcome, result.ticket) == (Outcome.COMMENT_ADDED, number)


def test_stranger_with_token_gets_a_new_ticket_and_staff_a_note(gateway: Gateway, runtime: Runtime) -> None:
    number = deliver(gateway, build_mail()).ticket
    intruder = build_mail(sender="mallory@evil.example", subject=f"Re: [#{number}] give me access")
    result = deliver(gateway, intruder)
    assert result.outcome is Outcome.TICKET_CREATED
    assert result.ticket != number
    with runtime.sessions() as session:
        new = get_ticket(session, result.ticket)
        notes = [m.text for m in new.messages if m.kind is MessageKind.SYSTEM]
        assert any(f"#{number}" in note and "not a participant" in note for note in notes)
        assert len(get_ticket(session, number).messages) == 1


def test_reply_to_closed_ticket_opens_linked_follow_up(gateway: Gateway, runtime: Runtime) -> None:
    number = deliver(gateway, build_mail()).ticket
    with runtime.sessions() as session, session.begin():
        change_status(session, get_ticket(session, number), Status.CLOSED, actor=None)
    result = deliver(gateway, build_mail(subject=f"Re: [#{number}] again"))
    assert result.outcome is Outcome.TICKET_CREATED
    with runtime.sessions() as session:
        link = session.scalars(select(TicketLink)).one()
        assert (link.ticket_id, link.other_id, link.kind.value) == (result.ticket, number, "follow_up")


def test_reply_reopens_waiting_ticket(gateway: Gateway, runtime: Runtime) -> None:
    number = deliver(gateway, build_mail()).ticket
    with runtime.sessions() as session, session.begin():
        change_status(session, get_ticket(session, number), Status.WAITING_ON_CUSTOMER, actor=None)
    deliver(gateway, build_mail(subject=f"Re: [#{number}]", body="here is the info"))
    with runtime.sessions() as session:
        assert get_ticket(session, number).status is Status.NEW


def test_auto_reply_joins_its_ticket_without_reopening_or_answering(gateway: Gateway, runtime: Runtime) -> None:
    number = deliver(gateway, build_mail()).ticket
    with runtime.sessions() as session, session.begin():
        change_status(session, get_ticket(session, number), Status.WAITING_ON_CUSTOMER, actor=None)
    queued = _count(runtime, OutboxMessage)
    ooo = build_mail(subject=f"Automatic reply: [#{number}] Printer", Auto_Submitted="auto-replied")
    result = deliver(gateway, ooo)
    assert (result.outcome, result.ticket) == (Outcome.COMMENT_ADDED, number)
    with runtime.sessions() as session:
        assert get_ticket(session, number).status is Status.WAITING_ON_CUSTOMER
    assert _count(runtime, OutboxMessage) == queued


def test_unthreaded_auto_reply_is_ignored(gateway: Gateway, runtime: Runtime) -> None:
    result = deliver(gateway, build_mail(subject="Out of Office", Auto_Submitted="auto-replied"))
    assert result.outcome is Outcome.AUTO_REPLY_IGNORED
    assert _count(runtime, Ticket) == 0
    assert _count(runtime, OutboxMessage) == 0


def test_our_own_mail_is_dropped_as_a_loop(gateway: Gateway, runtime: Runtime) -> None:
    number = deliver(gateway, build_mail()).ticket
    with runtime.sessions() as session:
        ack = session.scalars(select(OutboxMessage)).one()
    echoed = build_mail(
        sender=SUPPORT, to=SUPPORT, subject=ack.subject, message_id=f"<{ack.message_id}>",
        Auto_Submitted="auto-generated", X_Postdesk_Loop="helpdesk.example.com", X_Postdesk_Ticket=str(number),
    )
    assert deliver(gateway, echoed).outcome is Outcome.LOOP_DROPPED
    assert _count(runtime, OutboxMessage) == 1


def test_list_mail_opens_a_ticket_but_gets_no_acknowledgement(gateway: Gateway, runtime: Runtime) -> None:
    result = deliver(gateway, build_mail(List_Id="<it-announce.corp.example>", List_Unsubscribe="<mailto:x@corp.example>"))
    assert result.outcome is Outcome.TICKET_CREATED
    assert _count(runtime, OutboxMessage) == 0


def test_cc_colleagues_become_watchers_but_strangers_do_not(gateway: Gateway, runtime: Runtime) -> None:
    raw = build_mail(Cc=f"carol@corp.example, eve@elsewhere.example, {SUPPORT}")
    number = deliver(gateway, raw).ticket
    with runtime.sessions() as session:
        assert [w.email for w in get_ticket(session, number).watchers] == ["carol@corp.example"]
    reply = deliver(gateway, build_mail(sender="carol@corp.example", subject=f"Re: [#{number}] me too"))
    assert (reply.outcome, reply.ticket) == (Outcome.COMMENT_ADDED, number)


def test_hard_bounce_marks_the_user_undeliverable_and_opens_nothing(gateway: Gateway, runtime: Runtime) -> None:
    deliver(gateway, build_mail(sender="gone@corp.example"))
    bounce = (
        "From: MAILER-DAEMON@mx.corp.example\r\nTo: support@helpdesk.example.com\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <b1@mx.corp.example>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.corp.example\r\n\r\n"
        "Final-Recipient: rfc822; gone@corp.example\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n"
        "--B--\r\n"
    ).encode()
    result = deliver(gateway, bounce)
    assert result.outcome is Outcome.BOUNCE
    assert "gone@corp.example" in result.reason
    assert _count(runtime, Ticket) == 1
    with runtime.sessions() as session:
        user = session.scalars(select(User).where(User.email == "gone@corp.example")).one()
        assert user.undeliverable


def test_not_mail_is_kept_and_rejected(gateway: Gateway, runtime: Runtime) -> None:
    result = deliver(gateway, b"\x89PNG\r\n\x1a\n\x00\x00binary")
    assert result.outcome is Outcome.REJECTED
    with runtime.sessions() as session:
        row = session.get(InboundMessage, result.inbound_id)
        assert gateway.blobs.get(row.raw_sha256) == b"\x89PNG\r\n\x1a\n\x00\x00binary"


def test_acknowledgements_are_throttled_per_sender(gateway: Gateway, runtime: Runtime) -> None:
    limit = gateway.identity.mail.autoreply_limit
    for index in range(limit + 3):
        deliver(gateway, build_mail(subject=f"request {index}"))
    assert _count(runtime, Ticket) == limit + 3
    assert _count(runtime, OutboxMessage) == limit


def test_attachments_are_stored_content_addressed(gateway: Gateway, runtime: Runtime) -> None:
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"] = "alice@corp.example"
    message["To"] = SUPPORT
    message["Subject"] = "Screenshot"
    message.set_content("see attached")
    message.add_attachment(b"\x89PNG fake image", maintype="image", subtype="png", filename="Bildschirmfoto ä.png")
    number = deliver(gateway, message.as_bytes()).ticket
    with runtime.sessions() as session:
        [attachment] = get_ticket(session, number).messages[0].attachments
        assert attachment.filename == "Bildschirmfoto ä.png"
        assert attachment.content_type == "image/png"
        assert gateway.blobs.get(attachment.sha256) == b"\x89PNG fake image"


def test_a_crash_in_processing_quarantines_and_reprocess_recovers(gateway: Gateway, runtime: Runtime, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A stand-in for a bug: one stage raises. The mail is kept as `quarantined`, and once the
    bug is gone, reprocessing the same row opens the ticket."""
    from mailgateway.stages import route

    def broken(_intake: object) -> None:
        raise RuntimeError("rules engine exploded")

    monkeypatch.setattr(route, "route_new_ticket", broken)
    result = deliver(gateway, build_mail(message_id="<crash@corp.example>"))
    assert result.outcome is Outcome.QUARANTINED
    assert "rules engine exploded" in result.reason
    assert _count(runtime, Ticket) == 0
    monkeypatch.undo()
    from mailgateway.context import InboundMail
    from mailgateway.intake import ingest

    with runtime.sessions() as session:
        row = session.get(InboundMessage, result.inbound_id)
        mail = InboundMail(raw=gateway.blobs.get(row.raw_sha256), source=row.source)
    again = ingest(gateway, mail, reprocess_id=result.inbound_id)
    assert again.outcome is Outcome.TICKET_CREATED
    assert again.inbound_id == result.inbound_id
    assert _count(runtime, Ticket) == 1
