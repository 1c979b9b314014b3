"""The raw-mail store full, then read-only, under a real `postdesk gateway smtp`: the receiver
answers 451 and acknowledges nothing it has not stored; once there is room again, the
sender's retries go in exactly once.

The gateway runs in a mount namespace of its own (unshare) whose blob dir is a small tmpfs,
so the disk really fills up (ENOSPC) and is really remounted read-only (EROFS), without
touching the machine's mounts. The test reads that tmpfs through /proc/PID/root."""

from __future__ import annotations

import base64
import os
import shlex
import smtplib
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from core.config import Settings
from core.models import InboundMessage, Message
from core.runtime import Runtime
from tests.cli_helpers import postdesk_env
from tests.mail_fixtures import SUPPORT, build_mail
from tests.servers import free_port
from tests.servers.policy import unavailable
from tests.test_faults_postgres import launch, stop

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

STORE_SIZE = "128k"
MAIL_BODY = 30_000


def _namespace_prefix() -> list[str]:
    """unshare for a private mount namespace; unprivileged users get a user namespace too."""
    if os.geteuid() == 0:
        return ["unshare", "--mount", "--propagation", "private"]
    return ["unshare", "--user", "--map-root-user", "--mount", "--propagation", "private"]


@dataclass
class NamespacedGateway:
    process: subprocess.Popen[bytes]
    port: int
    store: Path

    def remount(self, options: str) -> None:
        enter = ["nsenter", "-t", str(self.process.pid), "-m"] + ([] if os.geteuid() == 0 else ["-U", "--preserve-credentials"])
        subprocess.run([*enter, "mount", "-o", f"remount,{options}", str(self.store)], check=True, capture_output=True)

    def stored(self, sha256: str) -> bytes:
        """A blob as the gateway sees it, inside its namespace."""
        inside = self.store / sha256[:2] / sha256[2:4] / sha256
        return Path(f"/proc/{self.process.pid}/root{inside}").read_bytes()


@pytest.fixture
def gateway_on_small_store(settings: Settings, tmp_path: Path) -> Iterator[NamespacedGateway]:
    probe = subprocess.run([*_namespace_prefix(), "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        unavailable(f"cannot make a mount namespace (unshare): {probe.stderr.decode().strip()}")
    store = settings.blob_dir
    store.mkdir(parents=True, exist_ok=True)
    port = free_port()
    gateway = shlex.join([sys.executable, "-m", "postdesk", "gateway", "smtp", "--listen", f"127.0.0.1:{port}"])
    script = f"mount -t tmpfs -o size={STORE_SIZE},mode=0700 tmpfs {shlex.quote(str(store))} && exec {gateway}"
    process = launch([*_namespace_prefix(), "sh", "-c", script], postdesk_env(settings), tmp_path / "smtp.log", port)
    try:
        yield NamespacedGateway(process, port, store)
    finally:
        stop([process])


def _mail(n: int) -> tuple[str, bytes]:
    message_id = f"<store-{n}@corp.example>"
    body = base64.encodebytes(os.urandom(MAIL_BODY * 3 // 4)).decode()
    return message_id.strip("<>"), build_mail(subject=f"Store test {n}", message_id=message_id, body=body)


def _send(port: int, raw: bytes) -> int:
    """The server's answer to DATA: 250 accepted, else its code."""
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
            client.sendmail("alice@corp.example", [SUPPORT], raw)
        return 250
    except smtplib.SMTPDataError as error:
        return error.smtp_code


def _stored_ids(runtime: Runtime) -> dict[str, str]:
    """Message-ID -> raw sha256 of every logged inbound message."""
    with runtime.sessions() as session:
        return {row.message_id: row.raw_sha256 for row in session.scalars(select(InboundMessage)) if row.message_id}


def _check_acknowledged_are_stored(runtime: Runtime, gateway: NamespacedGateway, mails: dict[str, bytes], accepted: set[str]) -> None:
    stored = _stored_ids(runtime)
    assert set(stored) == accepted, "a row for every 250, and none for a 451"
    for message_id in accepted:
        assert gateway.stored(stored[message_id]) == mails[message_id]


@pytest.mark.slow
def test_a_full_then_read_only_store_gets_451_and_nothing_unstored_is_acknowledged(
    runtime: Runtime, gateway_on_small_store: NamespacedGateway
) -> None:
    gateway = gateway_on_small_store
    mails = dict(_mail(n) for n in range(10))
    first, last_two = list(mails)[:8], list(mails)[8:]

    answers = {message_id: _send(gateway.port, mails[message_id]) for message_id in first}
    accepted = {message_id for message_id, code in answers.items() if code == 250}
    assert set(answers.values()) == {250, 451} and accepted, f"the store should have filled up: {answers}"
    _check_acknowledged_are_stored(runtime, gateway, mails, accepted)

    gateway.remount("size=8m")  # the admin makes room; the sender retries what got 451
    assert {_send(gateway.port, mails[message_id]) for message_id in first if message_id not in accepted} == {250}
    _check_acknowledged_are_stored(runtime, gateway, mails, set(first))

    gateway.remount("ro")
    assert [_send(gateway.port, mails[message_id]) for message_id in last_two] == [451, 451]
    _check_acknowledged_are_stored(runtime, gateway, mails, set(first))

    gateway.remount("rw")
    assert [_send(gateway.port, mails[message_id]) for message_id in last_two] == [250, 250]
    _check_acknowledged_are_stored(runtime, gateway, mails, set(mails))
    with runtime.sessions() as session:
        assert sorted(session.scalars(select(Message.message_id))) == sorted(mails), "each mail in exactly once"
