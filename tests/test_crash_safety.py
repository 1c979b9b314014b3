"""Kill the receiver with SIGKILL in the middle of a stream of mail; after a restart and
re-delivery of everything not acknowledged, every message is in exactly once."""

from __future__ import annotations

import signal
import smtplib
import socket
import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy import func, select

from core.config import Settings
from core.models import Message, Ticket
from core.runtime import Runtime
from tests.cli_helpers import postdesk_env
from tests.mail_fixtures import SUPPORT, build_mail
from tests.servers import free_port

MESSAGES = 60
KILL_AFTER = 20


def _start_gateway(settings: Settings, port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "postdesk", "gateway", "smtp", "--listen", f"127.0.0.1:{port}"],
        env=postdesk_env(settings),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    pytest.fail("the SMTP gateway did not start listening")


def _send(port: int, raw: bytes) -> bool:
    """True only on a 250 after DATA: anything else means the sender must retry."""
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            client.sendmail("alice@corp.example", [SUPPORT], raw)
        return True
    except (OSError, smtplib.SMTPException):
        return False


@pytest.mark.slow
def test_sigkill_mid_stream_loses_and_doubles_nothing(settings: Settings, runtime: Runtime) -> None:
    port = free_port()
    mails = {f"crash-{i}@corp.example": build_mail(subject=f"crash test {i}", message_id=f"<crash-{i}@corp.example>") for i in range(MESSAGES)}
    gateway = _start_gateway(settings, port)
    acknowledged: list[str] = []
    pending: list[str] = []
    killed = threading.Event()

    def kill_soon() -> None:
        time.sleep(0.05)
        gateway.send_signal(signal.SIGKILL)
        killed.set()

    for message_id, raw in mails.items():
        if len(acknowledged) == KILL_AFTER and not killed.is_set() and not pending:
            threading.Thread(target=kill_soon).start()
        (acknowledged if _send(port, raw) else pending).append(message_id)
    gateway.wait(timeout=10)
    assert killed.is_set() and pending, "the kill must have interrupted the stream"

    gateway = _start_gateway(settings, port)
    try:
        for message_id in list(pending):
            assert _send(port, mails[message_id]), f"re-delivery of {message_id} failed"
        assert _send(port, mails[acknowledged[-1]]), "a re-delivered acknowledged mail is a duplicate, not an error"
    finally:
        gateway.terminate()
        gateway.wait(timeout=10)

    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Ticket)) == MESSAGES
        counts = dict(session.execute(select(Message.message_id, func.count()).group_by(Message.message_id)).all())
    assert counts == {message_id: 1 for message_id in mails}
