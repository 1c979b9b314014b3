"""A real SMTP relay for the worker to deliver to: aiosmtpd on 127.0.0.1 that keeps what it
receives, and can be told to answer 4xx or 5xx, or be stopped and started again."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.servers import free_port


@dataclass
class RecordingHandler:
    received: list[EmailMessage] = field(default_factory=list)
    answer: str = "250 2.0.0 OK"
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if not self.answer.startswith("250"):
            return self.answer
        with self.lock:
            self.received.append(message_from_bytes(envelope.original_content, policy=policy.default))
        return self.answer


class Relay:
    def __init__(self) -> None:
        self.port = free_port()
        self.handler = RecordingHandler()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def received(self) -> list[EmailMessage]:
        return self.handler.received


@pytest.fixture
def relay() -> Iterator[Relay]:
    server = Relay()
    server.start()
    yield server
    server.stop()
