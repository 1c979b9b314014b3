"""A real `postdesk worker` killed (SIGKILL) in the middle of a delivery: the relay has the
whole mail but the worker dies before it reads the 250 and records `sent`.

What happens, by design (core/outbox.py): the row stays leased for 5 minutes, then a worker
sends it again: the notification arrives once, or at most once more, never lost; the copy
carries the same Message-ID, so mail clients (and our own intake) recognise it. Rows the dead
worker had not claimed go out once as soon as a worker runs again.

(tests/test_outbox_delivery.py covers a claim without a send in-process; this is the real
process dying on the wire.)"""

from __future__ import annotations

import asyncio
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from core.config import Settings
from core.db import unit_of_work
from core.models import OutboxMessage, OutboxStatus, utcnow
from core.runtime import Runtime
from mailgateway.intake import Gateway
from tests.cli_helpers import postdesk_env
from tests.mail_fixtures import build_mail, deliver
from tests.relay import RecordingHandler, Relay
from tests.test_faults_postgres import launch, stop

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@dataclass
class StallingHandler(RecordingHandler):
    """Keeps the first mail it receives, then stalls before answering until released."""

    received_first: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        answer = await super().handle_DATA(server, session, envelope)
        if not self.received_first.is_set():
            self.received_first.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
        return answer


def _rows(runtime: Runtime) -> dict[str, OutboxMessage]:
    with runtime.sessions() as session:
        return {row.recipients: row for row in session.scalars(select(OutboxMessage))}


def _wait(check: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {timeout:.0f} s: {what}")
        time.sleep(0.1)


@pytest.mark.slow
def test_a_worker_killed_mid_delivery_sends_that_mail_at_most_once_more_and_loses_nothing(
    gateway: Gateway, runtime: Runtime, settings: Settings, tmp_path: Path
) -> None:
    for sender in ("first@corp.example", "second@corp.example"):
        deliver(gateway, build_mail(sender=sender))
    relay = Relay()
    relay.handler = handler = StallingHandler()
    relay.start()
    env = postdesk_env(settings, POSTDESK_SMTP_HOST="127.0.0.1", POSTDESK_SMTP_PORT=str(relay.port), POSTDESK_BACKUP_KEEP="0")
    command = [sys.executable, "-m", "postdesk", "worker"]
    try:
        worker = launch(command, env, tmp_path / "worker-1.log")
        assert handler.received_first.wait(60), "the worker never reached the relay"
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        [first] = (message["To"] for message in relay.received)
        rows = _rows(runtime)
        assert (rows[first].status, rows[first].attempts) == (OutboxStatus.PENDING, 1), "claimed, never recorded"
        assert rows[first].next_attempt_at > utcnow() + timedelta(minutes=4), "leased for 5 minutes"
        other = next(recipient for recipient in rows if recipient != first)
        assert rows[other].attempts == 0, "the second row was never claimed"

        handler.release.set()
        worker = launch(command, env, tmp_path / "worker-2.log")
        _wait(lambda: _rows(runtime)[other].status is OutboxStatus.SENT, "the unclaimed row sent by the new worker")
        assert _rows(runtime)[first].status is OutboxStatus.PENDING, "the lease still holds the first row back"

        with unit_of_work(runtime.sessions) as session:  # stand-in for the 5 minutes of the lease passing
            session.execute(update(OutboxMessage).where(OutboxMessage.recipients == first).values(next_attempt_at=utcnow()))
        _wait(lambda: _rows(runtime)[first].status is OutboxStatus.SENT, "the leased row sent after its lease")
        stop([worker])
    finally:
        relay.stop()

    copies = [(message["To"], message["Message-ID"]) for message in relay.received]
    assert sorted(to for to, _id in copies) == sorted([first, first, other]), "once more for the killed delivery only"
    assert len({message_id for to, message_id in copies if to == first}) == 1, "the copy has the same Message-ID"
    assert _rows(runtime)[first].attempts == 2
