"""Start the SMTP or LMTP receiver on HOST:PORT (or `unix:PATH` for LMTP) in a thread."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from aiosmtpd.controller import Controller, UnixSocketController
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP

from core.models import InboundSource
from mailgateway.intake import Gateway
from mailgateway.receiver import IntakeHandler

INTAKE_THREADS = 4


@dataclass(frozen=True, slots=True)
class Endpoint:
    host: str = "127.0.0.1"
    port: int = 2525
    unix_path: str | None = None

    @classmethod
    def parse(cls, text: str) -> Endpoint:
        """`HOST:PORT`, `:PORT`, or `unix:/path/to/socket`."""
        if text.startswith("unix:"):
            return cls(unix_path=text[len("unix:"):])
        host, _, port = text.rpartition(":")
        if not port.isdigit() or not 0 <= int(port) < 65536:
            raise ValueError(f"{text!r} is not HOST:PORT or unix:PATH")
        return cls(host=host.strip("[]") or "127.0.0.1", port=int(port))

    def __str__(self) -> str:
        return f"unix:{self.unix_path}" if self.unix_path else f"{self.host}:{self.port}"


class _LmtpMixin:
    def factory(self) -> SMTP:
        return LMTP(self.handler, **self.SMTP_kwargs)  # type: ignore[attr-defined]


class LmtpController(_LmtpMixin, Controller):
    pass


class LmtpUnixController(_LmtpMixin, UnixSocketController):
    pass


def start_receiver(gateway: Gateway, source: InboundSource, endpoint: Endpoint) -> Any:
    """Start listening; returns the aiosmtpd controller (call `.stop()` to end it)."""
    executor = ThreadPoolExecutor(max_workers=INTAKE_THREADS, thread_name_prefix=f"{source.value}-intake")
    handler = IntakeHandler(gateway, executor, source)
    options: dict[str, Any] = {
        "data_size_limit": gateway.max_message_bytes,
        "enable_SMTPUTF8": True,
        "decode_data": False,
        "server_hostname": gateway.identity.mail.mail_domain,
        "ident": "Postdesk",
    }
    controller: Any
    if source is InboundSource.LMTP and endpoint.unix_path:
        controller = LmtpUnixController(handler, unix_socket=endpoint.unix_path, **options)
    elif source is InboundSource.LMTP:
        controller = LmtpController(handler, hostname=endpoint.host, port=endpoint.port, **options)
    else:
        controller = Controller(handler, hostname=endpoint.host, port=endpoint.port, **options)
    controller.start()
    return controller
