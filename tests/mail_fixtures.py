"""Mail fixtures: build RFC 822 messages, and run the real receiver on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import pytest

from core.models import InboundSource
from mailgateway.context import InboundMail, IngestResult
from mailgateway.intake import Gateway, ingest
from mailgateway.listener import Endpoint, start_receiver
from tests.servers import free_port

SUPPORT = "support@helpdesk.example.com"


def build_mail(
    *,
    sender: str = "alice@corp.example",
    subject: str = "Printer on 3rd floor is jammed",
    body: str = "Hello,\nthe printer is jammed again.\nAlice",
    to: str = SUPPORT,
    message_id: str | None = None,
    **headers: str,
) -> bytes:
    """A literal RFC 822 message with CRLF line ends, as it travels over SMTP; extra headers
    by keyword (underscores become dashes)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = message_id or make_msgid(domain="corp.example")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message.as_bytes(policy=policy.SMTP)


def deliver(gateway: Gateway, raw: bytes, source: InboundSource = InboundSource.PIPE, **envelope: Any) -> IngestResult:
    return ingest(gateway, InboundMail(raw=raw, source=source, **envelope))


def _receiver(gateway: Gateway, source: InboundSource) -> Iterator[Endpoint]:
    endpoint = Endpoint("127.0.0.1", free_port())
    controller = start_receiver(gateway, source, endpoint)
    yield endpoint
    controller.stop()


@pytest.fixture
def smtp_receiver(gateway: Gateway) -> Iterator[Endpoint]:
    """The real aiosmtpd SMTP receiver on 127.0.0.1, feeding this test's database."""
    yield from _receiver(gateway, InboundSource.SMTP)


@pytest.fixture
def lmtp_receiver(gateway: Gateway) -> Iterator[Endpoint]:
    yield from _receiver(gateway, InboundSource.LMTP)
