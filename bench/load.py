"""Load benchmark of the whole installation on PostgreSQL: several `postdesk gateway smtp`
processes take a stream of mail from concurrent senders (about 30 % of it replies that must
thread into the tickets the earlier mails opened) while `postdesk web` processes serve signed-in
staff. A benchmark, not a test.

Afterwards it checks the result in the database: every mail in exactly once (a Message-ID on
one message), every reply on its original's ticket, one ticket per new mail, nothing
quarantined; and reports the throughput and the latencies (median, p95, p99): SMTP per mail
(MAIL FROM to the 250 after DATA) and web per page.

PostgreSQL is a throwaway server (tests.servers.postgres) with fsync and full_page_writes
switched back on, so a 250 means the same as in production; or pass --database-url.
Senders behave like an MTA: one connection each, kept open, a 451 retried after 0.5 s.

Usage:
    .venv/bin/python bench/load.py [--mails 20000] [--gateways 4] [--senders 8] [--webs 2] [--staff 4]
"""

from __future__ import annotations

import argparse
import os
import random
import smtplib
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from tempfile import TemporaryDirectory

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests
from sqlalchemy import Engine, text

from core.config import load_settings
from core.db import unit_of_work
from core.migrate import upgrade
from core.models import Role
from core.runtime import Runtime
from core.users import add_user
from tests.db_fixtures import environment_for
from tests.servers import free_port
from tests.servers.postgres import PostgresServer

SUPPORT = "support@helpdesk.example.com"
STAFF, PASSWORD = "bench-agent@corp.example", "bench password for staff"
CUSTOMERS = 400
WORDS = ["printer", "vpn", "laptop", "password", "screen", "network", "mail", "calendar", "drive", "license", "toner", "monitor", "wifi", "badge"]
DURABLE = {"fsync": "on", "full_page_writes": "on", "synchronous_commit": "on"}


@dataclass
class Sent:
    message_id: str
    reply_to: str | None
    latency: float
    retries: int


@dataclass
class SenderResult:
    sent: list[Sent] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)


def compose(rng: random.Random, sender: str, original: tuple[str, str] | None) -> tuple[str, bytes]:
    """A new request, or (original = (message_id, subject)) the customer's reply to it."""
    message = EmailMessage()
    message["From"], message["To"] = sender, SUPPORT
    message_id = make_msgid(domain="corp.example")
    message["Message-ID"] = message_id
    words = " ".join(rng.choice(WORDS) for _ in range(30))
    if original is None:
        message["Subject"] = f"{rng.choice(WORDS).title()} {rng.choice(WORDS)} broken {rng.randrange(10**6)}"
        message.set_content(f"Hello,\n\n{words}\n\nThanks\n")
    else:
        message["Subject"] = f"Re: {original[1]}"
        message["In-Reply-To"] = message["References"] = original[0]
        message.set_content(f"Still happening: {words}\n\n> earlier text\n")
    return message_id.strip("<>"), message.as_bytes()


class MailSender:
    """One MTA-like sender: a kept-open connection to its gateway, 451 retried."""

    def __init__(self, index: int, port: int, count: int, reply_share: float) -> None:
        self.rng = random.Random(index)
        self.port = port
        self.count = count
        self.reply_share = reply_share
        self.customers = [f"cust{index}-{n}@corp.example" for n in range(CUSTOMERS // 8)]
        self.originals: list[tuple[str, str, str]] = []  # (sender, message_id, subject)
        self.result = SenderResult()
        self.client: smtplib.SMTP | None = None

    def run(self) -> None:
        for _ in range(self.count):
            if self.originals and self.rng.random() < self.reply_share:
                sender, original_id, subject = self.rng.choice(self.originals)
                message_id, raw = compose(self.rng, sender, (f"<{original_id}>", subject))
                self._deliver(sender, message_id, raw, original_id)
            else:
                sender = self.rng.choice(self.customers)
                message_id, raw = compose(self.rng, sender, None)
                if self._deliver(sender, message_id, raw, None):
                    self.originals.append((sender, message_id, raw.split(b"Subject: ", 1)[1].split(b"\n", 1)[0].decode()))
        if self.client is not None:
            self.client.quit()

    def _deliver(self, sender: str, message_id: str, raw: bytes, reply_to: str | None) -> bool:
        started, retries = time.perf_counter(), 0
        while retries < 100:
            try:
                if self._transaction(sender, raw) == 250:
                    self.result.sent.append(Sent(message_id, reply_to, time.perf_counter() - started, retries))
                    return True
                self.result.errors["451"] += 1
            except (OSError, smtplib.SMTPException) as error:
                self.result.errors[type(error).__name__] += 1
                self.client = None
            retries += 1
            time.sleep(0.5)
        return False

    def _transaction(self, sender: str, raw: bytes) -> int:
        if self.client is None:
            self.client = smtplib.SMTP("127.0.0.1", self.port, timeout=60)
            self.client.ehlo()
        client = self.client
        client.mail(sender)
        code, _ = client.rcpt(SUPPORT)
        if code != 250:
            client.rset()
            return code
        code, _ = client.data(raw)
        return code


class StaffUser:
    """A signed-in agent clicking through the panel: list, a recent ticket, a search."""

    def __init__(self, base: str, rng: random.Random) -> None:
        self.base = base
        self.rng = rng
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.statuses: Counter[int] = Counter()
        self.session = requests.Session()
        page = self.session.get(f"{base}/login", timeout=60).text
        token = page.split('name="csrf_token"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
        self.session.post(f"{base}/login", data={"csrf_token": token, "email": STAFF, "password": PASSWORD}, timeout=60)

    def run(self, stop: threading.Event, newest: Callable[[], int]) -> None:
        while not stop.is_set():
            number = newest()
            pages = {"list": "/admin/tickets", "search": f"/admin/tickets?q={self.rng.choice(WORDS)}"}
            if number:
                pages["ticket"] = f"/admin/tickets/{self.rng.randint(max(1, number - 200), number)}"
            for name, path in pages.items():
                started = time.perf_counter()
                response = self.session.get(self.base + path, timeout=60)
                self.latencies[name].append(time.perf_counter() - started)
                self.statuses[response.status_code] += 1


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def _wait_for(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"a process exited early ({process.args})")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"nothing listens on {port}")


def start_processes(env: dict[str, str], args: argparse.Namespace, logs: Path) -> tuple[list[subprocess.Popen[bytes]], list[int], list[int]]:
    me = [sys.executable, "-m", "postdesk"]
    processes, smtp_ports, web_ports = [], [free_port() for _ in range(args.gateways)], [free_port() for _ in range(args.webs)]
    commands = [[*me, "gateway", "smtp", "--listen", f"127.0.0.1:{port}"] for port in smtp_ports]
    commands += [[*me, "web", "--listen", f"127.0.0.1:{port}", "--workers", str(args.web_workers)] for port in web_ports]
    for n, command in enumerate(commands):
        with (logs / f"process-{n}.log").open("wb") as log:
            processes.append(subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT))
    for port, process in zip(smtp_ports + web_ports, processes, strict=True):
        _wait_for(port, process)
    for port in web_ports:
        requests.get(f"http://127.0.0.1:{port}/healthz", timeout=120)
    return processes, smtp_ports, web_ports


def verify(engine: Engine, sent: list[Sent]) -> dict[str, int]:
    """Every mail in exactly once, every reply on its original's ticket; returns counts."""
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT message_id, ticket_id FROM messages WHERE kind = 'email_in'")).all()
        outcomes = dict(connection.execute(text("SELECT outcome, count(*) FROM inbound_messages GROUP BY outcome")).all())
        tickets = connection.scalar(text("SELECT count(*) FROM tickets"))
    per_id = Counter(message_id for message_id, _ in rows)
    ticket_of = {message_id: ticket for message_id, ticket in rows}
    doubled = [message_id for message_id, count in per_id.items() if count > 1]
    missing = [mail.message_id for mail in sent if mail.message_id not in per_id]
    misthreaded = [mail.message_id for mail in sent if mail.reply_to and ticket_of.get(mail.message_id) != ticket_of.get(mail.reply_to)]
    new = sum(1 for mail in sent if mail.reply_to is None)
    problems = {"doubled": len(doubled), "missing": len(missing), "misthreaded": len(misthreaded),
                "quarantined": outcomes.get("quarantined", 0), "tickets_not_one_per_new_mail": int(tickets != new)}
    if any(problems.values()):
        raise SystemExit(f"VERIFICATION FAILED: {problems}; e.g. missing {missing[:3]} misthreaded {misthreaded[:3]}")
    return {"tickets": tickets, "replies": len(sent) - new, **{f"outcome {k}": v for k, v in outcomes.items()}}


def newest_ticket(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.scalar(text("SELECT max(id) FROM tickets")) or 0


def run(args: argparse.Namespace, database_url: str, workdir: Path) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("POSTDESK_")}
    env.update(environment_for(workdir / "var", database_url, POSTDESK_LOG_LEVEL="WARNING", POSTDESK_AUTOCLOSE_DAYS="0",
                               POSTDESK_BACKUP_KEEP="0"))
    rt = Runtime(load_settings(env))
    upgrade(rt.engine)
    with unit_of_work(rt.sessions) as session:
        add_user(session, STAFF, role=Role.AGENT, name="Bench Agent", password=PASSWORD)
    processes, smtp_ports, web_ports = start_processes(env, args, workdir)
    try:
        counts = [args.mails // args.senders + (1 if n < args.mails % args.senders else 0) for n in range(args.senders)]
        senders = [MailSender(n, smtp_ports[n % len(smtp_ports)], counts[n], args.reply_share) for n in range(args.senders)]
        staff = [StaffUser(f"http://127.0.0.1:{web_ports[n % len(web_ports)]}", random.Random(100 + n)) for n in range(args.staff)]
        stop = threading.Event()
        newest = [0]
        staff_threads = [threading.Thread(target=user.run, args=(stop, lambda: newest[0])) for user in staff]
        sender_threads = [threading.Thread(target=sender.run) for sender in senders]
        started = time.perf_counter()
        for thread in staff_threads + sender_threads:
            thread.start()
        while any(thread.is_alive() for thread in sender_threads):
            newest[0] = newest_ticket(rt.engine)
            done = sum(len(sender.result.sent) for sender in senders)
            print(f"\r  {done:,}/{args.mails:,} mails accepted", end="", flush=True)
            time.sleep(1)
        elapsed = time.perf_counter() - started
        stop.set()
        for thread in staff_threads:
            thread.join()
        print()
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=60)
    report(args, senders, staff, elapsed, verify(rt.engine, [mail for sender in senders for mail in sender.result.sent]))
    rt.engine.dispose()


def report(args: argparse.Namespace, senders: list[MailSender], staff: list[StaffUser], elapsed: float, counts: dict[str, int]) -> None:
    sent = [mail for sender in senders for mail in sender.result.sent]
    errors = sum((sender.result.errors for sender in senders), Counter())
    smtp = [mail.latency * 1000 for mail in sent]
    print(f"{len(sent):,} mails through {args.gateways} gateways from {args.senders} senders in {elapsed:.1f} s: "
          f"{len(sent) / elapsed:.1f} mails/s; retries: {dict(errors) or 'none'}")
    print(f"  SMTP per mail: median {statistics.median(smtp):.0f} ms, p95 {percentile(smtp, 0.95):.0f} ms, "
          f"p99 {percentile(smtp, 0.99):.0f} ms")
    print(f"  verified: every mail once, every reply on its ticket; {counts}")
    pages: dict[str, list[float]] = defaultdict(list)
    statuses: Counter[int] = Counter()
    for user in staff:
        statuses.update(user.statuses)
        for name, values in user.latencies.items():
            pages[name].extend(value * 1000 for value in values)
    print(f"  web ({args.webs} processes x {args.web_workers} workers, {args.staff} staff): {sum(len(v) for v in pages.values()):,} "
          f"requests, statuses {dict(statuses)}")
    for name, values in sorted(pages.items()):
        print(f"    {name:7} median {statistics.median(values):.0f} ms, p95 {percentile(values, 0.95):.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mails", type=int, default=20_000)
    parser.add_argument("--gateways", type=int, default=4)
    parser.add_argument("--senders", type=int, default=8)
    parser.add_argument("--webs", type=int, default=2)
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn workers per web process")
    parser.add_argument("--staff", type=int, default=4, help="signed-in staff clicking through the panel")
    parser.add_argument("--reply-share", type=float, default=0.3)
    parser.add_argument("--database-url", help="an empty PostgreSQL database instead of a throwaway server")
    args = parser.parse_args()
    with TemporaryDirectory(prefix="postdesk-load-") as scratch:
        if args.database_url:
            run(args, args.database_url, Path(scratch))
            return
        server = PostgresServer()
        try:
            server.start()
            connection = server.connect()
            connection.autocommit = True
            with connection.cursor() as cursor:
                for name, value in DURABLE.items():
                    cursor.execute(f"ALTER SYSTEM SET {name} = '{value}'")
            connection.close()
            server.restart()
            server.create_database("load")
            run(args, server.url("load"), Path(scratch))
        finally:
            server.cleanup()


if __name__ == "__main__":
    main()
