"""The IMAP poller against a real Dovecot, on SQLite and on PostgreSQL.

Waits poll the database (or the IMAP server) with a deadline; nothing sleeps for a fixed time.
The timings are the production defaults (IDLE 60 s, poll 30 s) unless a test says otherwise,
so anything that happens within seconds happened because of IDLE, not because of a poll."""

from __future__ import annotations

import email
import functools
import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from click.testing import CliRunner
from imapclient import SEEN, IMAPClient
from sqlalchemy import func, select, update

from core.db import unit_of_work
from core.mailboxes import MailboxAccount, add_mailbox
from core.models import InboundMessage, Mailbox, MailboxSecurity, Outcome, Ticket
from core.runtime import Runtime
from mailgateway.context import InboundMail, IngestResult, TemporaryFailure
from mailgateway.imap import run_imap_gateway
from mailgateway.imap.connection import acknowledge, fetch_raw, new_uids, select_folder
from mailgateway.imap.poller import Backoff, Deliver, MailboxPoller, PollTiming
from mailgateway.intake import Gateway, ingest
from postdesk.cli import PostdeskGroup
from postdesk.cli.mailbox import register
from tests.mail_fixtures import build_mail
from tests.outages import database_down
from tests.servers.dovecot import DovecotServer

PASSWORD = "imap-secret-1"
DEFAULT_TIMING = PollTiming(idle_timeout=60.0, poll_interval=30.0)
STOP_WITHIN = 5.0


# -- helpers ------------------------------------------------------------------


def eventually(check: Callable[[], bool], what: str, timeout: float = 20.0) -> float:
    """Poll `check` until true; return the seconds it took, fail the test after `timeout`."""
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > timeout:
            pytest.fail(f"not within {timeout:.0f} s: {what}")
        time.sleep(0.02)
    return time.monotonic() - started


@pytest.fixture
def imap_user(dovecot_server: DovecotServer) -> str:
    """A fresh Dovecot user per test, so tests never see each other's mail."""
    user = f"helpdesk-{uuid.uuid4().hex[:12]}"
    dovecot_server.add_user(user, PASSWORD)
    return user


def make_mailbox(
    runtime: Runtime, server: DovecotServer, user: str, *, folder: str = "INBOX", move_to: str | None = None
) -> int:
    with unit_of_work(runtime.sessions) as session:
        mailbox = add_mailbox(
            session,
            f"support-{user}",
            host=server.host,
            port=server.port,
            security=MailboxSecurity.PLAIN,
            username=user,
            password=server.users[user],
            folder=folder,
            move_to=move_to,
        )
        return mailbox.id


def mailbox_row(runtime: Runtime, mailbox_id: int) -> Mailbox:
    with runtime.sessions() as session:
        mailbox = session.get(Mailbox, mailbox_id)
        assert mailbox is not None
        return mailbox


def ticket_count(runtime: Runtime) -> int:
    with runtime.sessions() as session:
        return session.scalar(select(func.count()).select_from(Ticket)) or 0


def outcomes(runtime: Runtime) -> Counter[str]:
    with runtime.sessions() as session:
        return Counter(outcome.value for outcome in session.scalars(select(InboundMessage.outcome)))


def flags_by_uid(server: DovecotServer, user: str, folder: str = "INBOX") -> dict[int, tuple[bytes, ...]]:
    return {uid: flags for uid, flags, _raw in server.messages(user, folder)}


def all_seen(server: DovecotServer, user: str, folder: str = "INBOX") -> bool:
    return all(SEEN in flags for flags in flags_by_uid(server, user, folder).values())


@contextmanager
def gateway_running(runtime: Runtime, **timing: float) -> Iterator[None]:
    """`run_imap_gateway` in a thread; on exit it must stop within STOP_WITHIN seconds."""
    stop = threading.Event()
    thread = threading.Thread(target=run_imap_gateway, args=(runtime, stop), kwargs=timing, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(STOP_WITHIN)
    assert not thread.is_alive(), "the gateway did not stop promptly"


@contextmanager
def poller_running(runtime: Runtime, mailbox_id: int, deliver: Deliver) -> Iterator[None]:
    """One MailboxPoller with a chosen `deliver`, for tests that must act inside a round."""
    with runtime.sessions() as session:
        row = session.get(Mailbox, mailbox_id)
        assert row is not None
        account = MailboxAccount.from_row(row)
    stop = threading.Event()
    poller = MailboxPoller(account, runtime.sessions, deliver, stop, DEFAULT_TIMING)
    thread = threading.Thread(target=poller.run, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(STOP_WITHIN)
    assert not thread.is_alive(), "the poller did not stop promptly"


class Spy:
    """Passes every message to the real ingest and remembers what happened (no stand-in)."""

    def __init__(self, deliver: Deliver, after_ingest: Callable[[int], None] = lambda _n: None) -> None:
        self.deliver = deliver
        self.after_ingest = after_ingest
        self.results: list[IngestResult] = []
        self.temporary_failures = 0

    def __call__(self, mail: InboundMail) -> IngestResult:
        try:
            result = self.deliver(mail)
        except TemporaryFailure:
            self.temporary_failures += 1
            raise
        self.results.append(result)
        self.after_ingest(len(self.results))
        return result


# -- end to end through run_imap_gateway ---------------------------------------


@pytest.mark.dovecot
def test_mail_becomes_tickets_is_marked_seen_and_idle_picks_up_new_mail(
    runtime: Runtime, dovecot_server: DovecotServer, imap_user: str
) -> None:
    mailbox_id = make_mailbox(runtime, dovecot_server, imap_user)
    uids = [dovecot_server.append(imap_user, "INBOX", build_mail(subject=f"Problem {n}")) for n in range(3)]
    with gateway_running(runtime, idle_timeout=60.0, poll_interval=30.0):
        eventually(lambda: ticket_count(runtime) == 3, "three tickets")
        eventually(lambda: mailbox_row(runtime, mailbox_id).last_polled_at is not None, "a finished round")
        assert all_seen(dovecot_server, imap_user)
        assert mailbox_row(runtime, mailbox_id).last_uid == uids[-1]
        # The poller is now in IDLE, which it leaves by itself only after 60 s.
        fourth = dovecot_server.append(imap_user, "INBOX", build_mail(subject="Problem 3"))
        latency = eventually(lambda: ticket_count(runtime) == 4, "the fourth ticket via IDLE", timeout=10.0)
        eventually(lambda: mailbox_row(runtime, mailbox_id).last_uid == fourth, "last_uid after IDLE")
    print(f"APPEND -> ticket with IDLE: {latency * 1000:.0f} ms")
    assert all_seen(dovecot_server, imap_user)
    assert outcomes(runtime) == Counter(ticket_created=4)
    row = mailbox_row(runtime, mailbox_id)
    assert row.uidvalidity is not None and row.last_error == ""


@pytest.mark.dovecot
def test_move_to_moves_processed_mail_out_of_the_folder(
    runtime: Runtime, dovecot_server: DovecotServer, imap_user: str
) -> None:
    make_mailbox(runtime, dovecot_server, imap_user, move_to="Processed")
    for n in range(2):
        dovecot_server.append(imap_user, "INBOX", build_mail(subject=f"Monitor {n}"))
    with gateway_running(runtime):
        eventually(lambda: ticket_count(runtime) == 2, "two tickets")
        eventually(lambda: not dovecot_server.messages(imap_user, "INBOX"), "an empty INBOX")
    moved = dovecot_server.messages(imap_user, "Processed")
    assert sorted(email.message_from_bytes(raw)["Subject"] for _uid, _flags, raw in moved) == ["Monitor 0", "Monitor 1"]
    assert all(SEEN in flags for _uid, flags, _raw in moved)


@pytest.mark.dovecot
def test_a_mailbox_added_while_running_is_picked_up(
    runtime: Runtime, dovecot_server: DovecotServer, imap_user: str
) -> None:
    dovecot_server.append(imap_user, "INBOX", build_mail(subject="Late mailbox"))
    with gateway_running(runtime, poll_interval=0.5):
        make_mailbox(runtime, dovecot_server, imap_user)
        eventually(lambda: ticket_count(runtime) == 1, "the ticket from the new mailbox")


@pytest.mark.dovecot
def test_login_failure_is_recorded_and_retried_with_backoff(
    runtime: Runtime, dovecot_server: DovecotServer, imap_user: str
) -> None:
    mailbox_id = make_mailbox(runtime, dovecot_server, imap_user)
    dovecot_server.add_user(imap_user, "changed-on-the-server")
    dovecot_server.append(imap_user, "INBOX", build_mail(subject="Behind a wrong password"))
    with gateway_running(runtime):
        eventually(lambda: "AUTHENTICATIONFAILED" in mailbox_row(runtime, mailbox_id).last_error, "the login error")
        assert PASSWORD not in mailbox_row(runtime, mailbox_id).last_error
        dovecot_server.add_user(imap_user, PASSWORD)  # the admin fixes the server side
        eventually(lambda: ticket_count(runtime) == 1, "the ticket after the next attempt")
        eventually(lambda: mailbox_row(runtime, mailbox_id).last_error == "", "the error cleared")


@pytest.mark.dovecot
def test_an_edited_mailbox_gets_a_fresh_poller(runtime: Runtime, dovecot_server: DovecotServer, imap_user: str) -> None:
    mailbox_id = make_mailbox(runtime, dovecot_server, imap_user)
    with unit_of_work(runtime.sessions) as session:  # an admin's typo
        session.execute(update(Mailbox).where(Mailbox.id == mailbox_id).values(password="typo"))
    dovecot_server.append(imap_user, "INBOX", build_mail(subject="After the fix"))
    with gateway_running(runtime, poll_interval=0.5):
        eventually(lambda: "login refused" in mailbox_row(runtime, mailbox_id).last_error, "the login error")
        with unit_of_work(runtime.sessions) as session:
            session.execute(update(Mailbox).where(Mailbox.id == mailbox_id).values(password=PASSWORD))
        eventually(lambda: ticket_count(runtime) == 1, "the ticket, fetched with the corrected password")


# -- failures inside a round -------------------------------------------------------


@pytest.mark.dovecot
def test_kick_while_idle_reconnects_and_ingests_each_mail_once(
    runtime: Runtime, dovecot_server: DovecotServer, imap_user: str
) -> None:
    mailbox_id = make_mailbox(runtime, dovecot_server, imap_user)
    for n in range(2):
        dovecot_server.append(imap_user, "INBOX", build_mail(subject=f"Before the kick {n}"))
    with gateway_running(runtime):
        eventually(lambda: ticket_count(runtime) == 2, "two tickets")
        eventually(lambda: mailbox_row(runtime, mailbox_id).last_polled_at is not None, "the poller idling")
        dovecot_server.kick(imap_user)
        for n in range(2):
            dovecot_server.append(imap_user, "INBOX", build_mail(subject=f"After the kick {n}"))
        eventually(lambda: ticket_count(runtime) == 4, "two more tickets after reconnecting")
        eventually(lambda: all_seen(dovecot_server, imap_user), "everything seen")
    assert outcomes(runtime) == Counter(ticket_created=4)


@pytest.mark.dovecot
def test_kick_between_commit_and_acknowledgement_gives_a_duplicate_not_a_ticket(
    runtime: Runtime, gateway: Gateway, dovecot_server: DovecotServer, imap_user: str
) -> None:
    """The connection dies after the first message is committed but before it is marked seen.

    This is the one window of at-least-once delivery: the message is offered again on the
    next connection and ingest records it as a `duplicate`, so there is no second ticket."""
    mailbox_id = make_mailbox(runtime, dovecot_server, imap_user)
    for n in range(3):
        dovecot_server.append(imap_user, "INBOX", build_mail(subject=f"Batch {n}"))

    def kick_after_first(count: int) -> None:
        if count == 1:
            dovecot_server.kick(imap_user)

    spy = Spy(functools.partial(ingest, gateway), after_ingest=kick_after_first)
    with poller_running(runtime, mailbox_id, spy):  # no IMAP checks meanwhile: the kick would cut them too
        eventually(lambda: mailbox_row(runtime, mailbox_id).last_uid == 3, "last_uid 3")
    assert all_seen(dovecot_server, imap_user)
    assert ticket_count(runtime) == 3
    assert outcomes(runtime) == Counter(ticket_created=3, duplicate=1)
    created, duplicate = Outcome.TICKET_CREATED, Outcome.DUPLICATE
    assert [result.outcome for result in spy.results] == [created, duplicate, created, created]


@pytest.mark.dovecot
def test_database_down_leaves_mail_unseen_and_it_is_ingested_once_after_recovery(
    request: pytest.FixtureRequest, runtime: Runtime, gateway: Gateway, dovecot_server: DovecotServer, imap_user: str
) -> None:
    """A real outage, no stand-in: PostgreSQL is stopped; on SQLite the database file's
    directory is moved away (tests/outages.py). The spy only counts what ingest raised."""
    mailbox_id = make_mailbox(runtime, dovecot_server, imap_user)
    dovecot_server.append(imap_user, "INBOX", build_mail(subject="Before the outage"))
    spy = Spy(functools.partial(ingest, gateway))
    with poller_running(runtime, mailbox_id, spy):
        eventually(lambda: mailbox_row(runtime, mailbox_id).last_uid == 1, "the first mail handled")
        eventually(lambda: mailbox_row(runtime, mailbox_id).last_polled_at is not None, "the poller idling")
        with database_down(request, runtime):
            during = dovecot_server.append(imap_user, "INBOX", build_mail(subject="During the outage"))
            eventually(lambda: spy.temporary_failures >= 1, "a TemporaryFailure from ingest")
            assert SEEN not in flags_by_uid(dovecot_server, imap_user)[during]
        eventually(lambda: ticket_count(runtime) == 2, "the second ticket after recovery", timeout=40.0)
        eventually(lambda: mailbox_row(runtime, mailbox_id).last_uid == during, "last_uid past the retried mail")
    assert all_seen(dovecot_server, imap_user)
    assert outcomes(runtime) == Counter(ticket_created=2)


@pytest.mark.dovecot
def test_uidvalidity_change_offers_mail_again_and_dedupe_keeps_tickets_single(
    runtime: Runtime, dovecot_server: DovecotServer, imap_user: str
) -> None:
    mailbox_id = make_mailbox(runtime, dovecot_server, imap_user, folder="Support")
    first = [build_mail(subject=f"Laptop {n}") for n in range(2)]
    for raw in first:
        dovecot_server.append(imap_user, "Support", raw)
    with gateway_running(runtime):
        eventually(lambda: ticket_count(runtime) == 2, "two tickets")
        eventually(lambda: mailbox_row(runtime, mailbox_id).last_uid == 2, "last_uid 2")
    old_validity = mailbox_row(runtime, mailbox_id).uidvalidity

    with dovecot_server.client(imap_user) as imap:  # the folder is recreated: UIDs start again
        imap.delete_folder("Support")
        imap.create_folder("Support")
        new_validity = imap.folder_status("Support", ["UIDVALIDITY"])[b"UIDVALIDITY"]
    assert new_validity != old_validity
    for raw in [*first, build_mail(subject="Laptop 2")]:
        dovecot_server.append(imap_user, "Support", raw)

    with gateway_running(runtime):
        eventually(lambda: outcomes(runtime)["duplicate"] == 2, "both old mails offered again")
        eventually(lambda: ticket_count(runtime) == 3, "one new ticket")
        eventually(lambda: mailbox_row(runtime, mailbox_id).last_uid == 3, "last_uid 3 in the new folder")
    assert outcomes(runtime) == Counter(ticket_created=3, duplicate=2)
    assert mailbox_row(runtime, mailbox_id).uidvalidity == new_validity


# -- the IMAP verbs against Dovecot ---------------------------------------------------


@pytest.mark.dovecot
def test_uid_range_search_ignores_the_highest_uid_below_the_range(
    dovecot_server: DovecotServer, imap_user: str
) -> None:
    uids = [dovecot_server.append(imap_user, "INBOX", build_mail(subject=f"Old {n}")) for n in range(2)]
    with dovecot_server.client(imap_user) as imap:
        select_folder(imap, "INBOX")
        assert imap.search(["UID", f"{uids[-1] + 1}:*"]) == [uids[-1]]  # the trap
        assert new_uids(imap, uids[-1]) == []
        assert new_uids(imap, 0) == uids
        assert [uid for uid, _raw in fetch_raw(imap, uids)] == uids
    unseen = [SEEN not in flags for flags in flags_by_uid(dovecot_server, imap_user).values()]
    assert unseen == [True, True], "BODY.PEEK[] leaves mail unseen"


class WithoutMove(IMAPClient):  # type: ignore[misc]  # imapclient ships no type hints
    """A real client that pretends the server lacks MOVE, to exercise the fallback."""

    def capabilities(self) -> tuple[bytes, ...]:
        return tuple(item for item in super().capabilities() if item != b"MOVE")


@pytest.mark.dovecot
def test_acknowledge_without_move_copies_deletes_and_expunges_one_uid(
    dovecot_server: DovecotServer, imap_user: str
) -> None:
    handled = dovecot_server.append(imap_user, "INBOX", build_mail(subject="Handled"))
    flagged_by_a_person = build_mail(subject="Deleted by a person, not yet expunged")
    bystander = dovecot_server.append(imap_user, "INBOX", flagged_by_a_person, flags=[b"\\Deleted"])
    dovecot_server.append(imap_user, "Processed", build_mail(subject="Already there"))
    imap = WithoutMove(dovecot_server.host, dovecot_server.port, ssl=False, timeout=10)
    try:
        imap.login(imap_user, PASSWORD)
        select_folder(imap, "INBOX")
        assert not imap.has_capability("MOVE") and imap.has_capability("UIDPLUS")
        acknowledge(imap, handled, "Processed")
    finally:
        imap.logout()
    assert list(flags_by_uid(dovecot_server, imap_user)) == [bystander], "only the handled UID was expunged"
    assert len(dovecot_server.messages(imap_user, "Processed")) == 2


def test_backoff_doubles_to_a_cap_and_resets() -> None:
    backoff = Backoff(first=1.0, cap=60.0)
    assert [backoff.next_delay() for _ in range(8)] == [1, 2, 4, 8, 16, 32, 60, 60]
    backoff.reset()
    assert backoff.next_delay() == 1


# -- the command line ------------------------------------------------------------------


def test_mailbox_add_and_list_json(runtime: Runtime) -> None:
    cli = PostdeskGroup("postdesk")
    register(cli)
    runner = CliRunner()
    account = ["--host", "imap.corp.example", "--security", "tls", "--user", "help@corp.example"]
    add = ["mailbox", "add", "helpdesk", *account]
    added = runner.invoke(cli, [*add, "--password-stdin", "--move-to", "Processed"], input="pa55word\n", obj=runtime)
    assert added.exit_code == 0, added.output
    assert "help@corp.example on imap.corp.example:993 (tls), folder INBOX" in added.output

    listed = runner.invoke(cli, ["mailbox", "list", "--json"], obj=runtime)
    assert listed.exit_code == 0, listed.output
    [summary] = json.loads(listed.stdout)
    assert summary == {
        "name": "helpdesk", "host": "imap.corp.example", "port": 993, "security": "tls",
        "username": "help@corp.example", "folder": "INBOX", "move_to": "Processed", "enabled": True,
        "uidvalidity": None, "last_uid": 0, "last_polled_at": None, "last_error": "",
    }  # fmt: skip
    assert "pa55word" not in listed.output + runner.invoke(cli, ["mailbox", "list"], obj=runtime).output

    again = runner.invoke(cli, [*add, "--password-stdin"], input="x\n", obj=runtime)
    assert again.exit_code == 2 and "already exists" in again.output
    no_password = runner.invoke(cli, ["mailbox", "add", "other", *account], obj=runtime)
    assert no_password.exit_code == 2 and "--password-stdin" in no_password.output
    into_itself = ["mailbox", "add", "other", *account, "--password-stdin", "--move-to", "INBOX"]
    same_folder = runner.invoke(cli, into_itself, input="x\n", obj=runtime)
    assert same_folder.exit_code == 2 and "is the folder being polled" in same_folder.output
