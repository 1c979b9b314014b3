"""PostgreSQL faults with the real processes: the server is stopped and started again while
mail streams in over SMTP, staff use the web panel and the worker delivers notifications;
and many gateways take mail at once without ever giving a ticket number twice.

(tests/test_crash_safety.py kills the gateway itself; tests/test_smtp_receiver.py and
test_imap_poller.py cover an outage for one receiver in-process.)"""

from __future__ import annotations

import re
import smtplib
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from core.config import Settings
from core.db import unit_of_work
from core.models import Message, OutboxMessage, OutboxStatus, Role, Ticket
from core.runtime import Runtime
from core.users import add_user
from mailgateway.intake import Gateway
from tests.cli_helpers import postdesk_env
from tests.mail_fixtures import SUPPORT, build_mail, deliver
from tests.outages import database_down
from tests.relay import Relay
from tests.servers import free_port

pytestmark = [pytest.mark.postgres, pytest.mark.parametrize("database_url", ["postgres"], indirect=True)]

MAILS = 40
STAFF = "agent@corp.example"
STAFF_PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def launch(argv: list[str], env: dict[str, str], log: Path, port: int | None = None) -> subprocess.Popen[bytes]:
    """Start a process (output to `log`); with `port`, wait until it listens there."""
    with log.open("wb") as output:
        process = subprocess.Popen(argv, env=env, stdout=output, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while port is not None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"{' '.join(argv[2:4])} did not start listening:\n{log.read_text()[-2000:]}")
            time.sleep(0.1)
    return process


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


@dataclass
class Stack:
    smtp_port: int
    web_url: str
    relay: Relay
    logs: Path

    def log_tail(self, name: str) -> str:
        lines = (self.logs / f"{name}.log").read_text(errors="replace").splitlines()
        return "\n".join(line for line in lines if '" 200 ' not in line)[-4000:]


@pytest.fixture
def stack(settings: Settings, tmp_path: Path) -> Iterator[Stack]:
    """Gateway, web (gunicorn, 2 workers) and worker as real processes, the worker
    delivering to a recording SMTP relay."""
    relay = Relay()
    relay.start()
    env = postdesk_env(settings, POSTDESK_SMTP_HOST="127.0.0.1", POSTDESK_SMTP_PORT=str(relay.port), POSTDESK_BACKUP_KEEP="0")
    me = [sys.executable, "-m", "postdesk"]
    smtp_port, web_port = free_port(), free_port()
    processes = [
        launch([*me, "gateway", "smtp", "--listen", f"127.0.0.1:{smtp_port}"], env, tmp_path / "smtp.log", smtp_port),
        launch([*me, "web", "--listen", f"127.0.0.1:{web_port}", "--workers", "2"], env, tmp_path / "web.log", web_port),
        launch([*me, "worker"], env, tmp_path / "worker.log"),
    ]
    try:
        _wait_until_serving(f"http://127.0.0.1:{web_port}/healthz")
        yield Stack(smtp_port, f"http://127.0.0.1:{web_port}", relay, tmp_path)
    finally:
        stop(processes)
        relay.stop()


def _wait_until_serving(url: str) -> None:
    """gunicorn listens before its workers have loaded the app: wait for a real answer."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=30).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    pytest.fail(f"{url} never answered 200")


@dataclass
class Sender:
    """Sends each mail until it gets a 250, as an MTA would (451 and dropped connections retry)."""

    port: int
    mails: dict[str, bytes]
    refusals: Counter[str] = field(default_factory=Counter)
    sent: list[str] = field(default_factory=list)

    def run(self) -> None:
        for message_id, raw in self.mails.items():
            deadline = time.monotonic() + 90
            while not self._send(message_id, raw):
                assert time.monotonic() < deadline, f"{message_id} was never accepted"
                time.sleep(0.2)
            self.sent.append(message_id)

    def _send(self, message_id: str, raw: bytes) -> bool:
        try:
            with smtplib.SMTP("127.0.0.1", self.port, timeout=20) as client:
                client.sendmail("mta@corp.example", [SUPPORT], raw)
            return True
        except smtplib.SMTPDataError as error:
            self.refusals[str(error.smtp_code)] += 1
        except (OSError, smtplib.SMTPException) as error:
            self.refusals[type(error).__name__] += 1
        return False


@dataclass
class StaffBrowser:
    """A signed-in member of staff reloading the ticket list and the health check."""

    url: str
    answers: list[tuple[float, str, int]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def sign_in(self) -> requests.Session:
        session = requests.Session()
        token = CSRF.search(session.get(f"{self.url}/login", timeout=30).text)
        assert token
        form = {"csrf_token": token.group(1), "email": STAFF, "password": STAFF_PASSWORD}
        response = session.post(f"{self.url}/login", data=form, timeout=30)
        assert response.url.endswith("/admin/tickets") or "/admin" in response.url, response.url
        return session

    def run(self, session: requests.Session) -> None:
        while not self.stop.is_set():
            for path in ("/admin/tickets", "/healthz"):
                try:
                    status = session.get(f"{self.url}{path}", timeout=10, allow_redirects=False).status_code
                except requests.RequestException:
                    status = 0
                self.answers.append((time.monotonic(), path, status))
            time.sleep(0.1)


def _staff(runtime: Runtime) -> None:
    with unit_of_work(runtime.sessions) as session:
        add_user(session, STAFF, role=Role.AGENT, name="Agent", password=STAFF_PASSWORD)


@pytest.mark.slow
def test_postgres_restart_loses_and_doubles_nothing_and_everything_recovers_by_itself(
    request: pytest.FixtureRequest, runtime: Runtime, stack: Stack
) -> None:
    _staff(runtime)
    mails = {f"<pg-{n}@corp.example>": build_mail(sender=f"user{n}@corp.example", subject=f"Outage test {n}",
                                                  message_id=f"<pg-{n}@corp.example>") for n in range(MAILS)}
    sender = Sender(stack.smtp_port, mails)
    browser = StaffBrowser(stack.web_url)
    threads = [threading.Thread(target=sender.run), threading.Thread(target=browser.run, args=(browser.sign_in(),))]
    for thread in threads:
        thread.start()
    try:
        while len(sender.sent) < MAILS // 4:
            time.sleep(0.05)
        stopping = time.monotonic()
        with database_down(request, runtime):
            down_from = time.monotonic()
            time.sleep(3)
            down_until = time.monotonic()
        threads[0].join(timeout=120)
        assert not threads[0].is_alive(), "the sender never got every mail accepted"
        time.sleep(2)  # the panel is used a little longer after the outage
    finally:
        browser.stop.set()
        threads[1].join(timeout=30)

    assert sum(sender.refusals.values()) > 0, "the outage must have hit the stream"
    assert set(sender.refusals) <= {"451", "SMTPServerDisconnected"}, sender.refusals
    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Ticket)) == MAILS
        per_message = Counter(session.scalars(select(Message.message_id).where(Message.message_id.like("pg-%"))))
    assert per_message == Counter({message_id.strip("<>"): 1 for message_id in mails})

    during = {(path, status) for moment, path, status in browser.answers if down_from + 0.5 < moment < down_until}
    assert ("/healthz", 503) in during and ("/admin/tickets", 503) in during, f"{during}\n{stack.log_tail('web')}"
    assert {status for moment, _path, status in browser.answers if moment < stopping} == {200}
    last = {path: status for _moment, path, status in browser.answers}
    assert last == {"/admin/tickets": 200, "/healthz": 200}, "the web recovers without a restart"

    deadline = time.monotonic() + 60
    while len(stack.relay.received) < MAILS and time.monotonic() < deadline:
        time.sleep(0.2)
    assert sorted(message["To"] for message in stack.relay.received) == sorted(f"user{n}@corp.example" for n in range(MAILS))
    with runtime.sessions() as session:
        assert set(session.scalars(select(OutboxMessage.status))) == {OutboxStatus.SENT}, "the worker resumed"


def test_concurrent_intake_never_gives_a_ticket_number_twice(runtime: Runtime) -> None:
    """Eight gateways (own engines, so own connections) take 20 mails each at once; every
    fourth mail is also delivered by a second gateway at the same moment."""
    gateways = [Runtime(runtime.settings) for _ in range(8)]
    mails = [build_mail(sender=f"u{n % 7}@corp.example", subject=f"Concurrent {n}", message_id=f"<c-{n}@corp.example>")
             for n in range(160)]
    barrier = threading.Barrier(len(gateways))
    created: list[int] = []

    def work(index: int, rt: Runtime) -> None:
        gateway = Gateway.from_runtime(rt)
        mine = mails[index::len(gateways)] + mails[(index + 1) % len(gateways)::len(gateways)][::4]
        barrier.wait()
        for raw in mine:
            result = deliver(gateway, raw)
            if result.outcome.value == "ticket_created":
                created.append(result.ticket)

    threads = [threading.Thread(target=work, args=(n, rt)) for n, rt in enumerate(gateways)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for rt in gateways:
        rt.engine.dispose()
    assert len(created) == len(mails) and len(set(created)) == len(mails)
    with runtime.sessions() as session:
        assert sorted(session.scalars(select(Ticket.id))) == sorted(created)
