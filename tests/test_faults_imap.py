"""The IMAP connection dropped in the middle of a FETCH response, against a real Dovecot
behind a cutting TCP proxy: the poller reconnects and every message becomes exactly one
ticket, all of them marked seen.

(tests/test_imap_poller.py kicks the session while it idles and between a commit and its
acknowledgement; here the cut lands inside the literal of a message being downloaded.)"""

from __future__ import annotations

import socket
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import suppress

import pytest

from core.db import unit_of_work
from core.mailboxes import add_mailbox
from core.models import MailboxSecurity
from core.runtime import Runtime
from tests.mail_fixtures import build_mail
from tests.servers import LOCALHOST, free_port
from tests.servers.dovecot import DovecotServer
from tests.test_imap_poller import (
    PASSWORD,
    all_seen,
    eventually,
    gateway_running,
    outcomes,
)

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

MAILS = 12
"""More than one FETCH batch (10): the cut comes in the second FETCH, after the first
batch was ingested and acknowledged."""


class CuttingProxy:
    """Forwards TCP to the IMAP server; on the `cut_on`-th FETCH command it passes `cut_after`
    bytes of the answer and then closes both ends (once). Later connections pass untouched."""

    def __init__(self, target: tuple[str, int], cut_on: int, cut_after: int) -> None:
        self.target = target
        self.cut_on = cut_on
        self.cut_after = cut_after
        self.port = free_port()
        self.connections = 0
        self.fetches = 0
        self.cut = threading.Event()
        self._listener = socket.create_server((LOCALHOST, self.port))
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self._listener.close()

    def _accept(self) -> None:
        with suppress(OSError):
            while True:
                client, _address = self._listener.accept()
                self.connections += 1
                server = socket.create_connection(self.target)
                armed = threading.Event()
                threading.Thread(target=self._upstream, args=(client, server, armed), daemon=True).start()
                threading.Thread(target=self._downstream, args=(server, client, armed), daemon=True).start()

    def _upstream(self, client: socket.socket, server: socket.socket, armed: threading.Event) -> None:
        """Client to server, counting FETCH commands; the cut-th arms the downstream cut."""
        with suppress(OSError):
            while data := client.recv(65536):
                if b" FETCH " in data.upper() and not self.cut.is_set():
                    self.fetches += 1
                    if self.fetches == self.cut_on:
                        armed.set()
                server.sendall(data)

    def _downstream(self, server: socket.socket, client: socket.socket, armed: threading.Event) -> None:
        passed = 0
        with suppress(OSError):
            while data := server.recv(4096):
                if armed.is_set() and not self.cut.is_set():
                    if passed + len(data) >= self.cut_after:
                        client.sendall(data[: self.cut_after - passed])
                        self.cut.set()
                        break
                    passed += len(data)
                client.sendall(data)
        for end in (client, server):
            with suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
            end.close()


@pytest.fixture
def proxied_mailbox(runtime: Runtime, dovecot_server: DovecotServer) -> Iterator[tuple[str, CuttingProxy]]:
    user = f"helpdesk-{uuid.uuid4().hex[:12]}"
    dovecot_server.add_user(user, PASSWORD)
    proxy = CuttingProxy((dovecot_server.host, dovecot_server.port), cut_on=2, cut_after=20_000)
    with unit_of_work(runtime.sessions) as session:
        add_mailbox(session, f"support-{user}", host=LOCALHOST, port=proxy.port, security=MailboxSecurity.PLAIN,
                    username=user, password=PASSWORD)
    yield user, proxy
    proxy.close()


@pytest.mark.dovecot
def test_connection_cut_mid_fetch_reconnects_and_loses_nothing(
    runtime: Runtime, dovecot_server: DovecotServer, proxied_mailbox: tuple[str, CuttingProxy]
) -> None:
    user, proxy = proxied_mailbox
    for n in range(MAILS):
        dovecot_server.append(user, "INBOX", build_mail(subject=f"Fetch cut {n}", body=f"line {n}\n" * 1500))
    with gateway_running(runtime):
        eventually(lambda: outcomes(runtime).total() == MAILS, f"{MAILS} mails in", timeout=60)
        eventually(lambda: all_seen(dovecot_server, user), "every mail seen")
    assert proxy.cut.is_set(), "the proxy must have cut a FETCH answer"
    assert proxy.connections >= 2, "the poller reconnected"
    assert outcomes(runtime) == Counter(ticket_created=MAILS)
