"""Retention: closed tickets and raw mail older than the configured age are purged (by the
worker's job and by `postdesk purge`), with audit records; a stored file goes only when
nothing refers to it and nobody stored it again meanwhile."""

from __future__ import annotations

import functools
import json
import os
import time
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from core.blob_sweep import FRESH_SECONDS
from core.config import Settings, load_settings
from core.db import unit_of_work
from core.errors import NotFound
from core.models import (
    AuditRecord,
    InboundMessage,
    Message,
    Outcome,
    Status,
    Ticket,
    TicketEvent,
    utcnow,
)
from core.retention import RetentionPolicy, purge
from core.runtime import Runtime
from core.tickets import change_status, get_ticket
from mailgateway.intake import Gateway
from mailgateway.reprocess import reprocess
from postdesk.cli import main
from postdesk.worker.singletons import run_due, singleton_jobs
from tests.cli_helpers import postdesk, postdesk_env
from tests.db_fixtures import environment_for
from tests.mail_fixtures import build_mail, deliver
from tests.test_backup import mail_with_attachment
from tests.web_helpers import AGENT, add_people, client_for, make_app, text

LOGO = b"\x89PNG logo in every signature"
OLD = timedelta(days=100)


def _close(runtime: Runtime, number: int, ago: timedelta) -> None:
    with unit_of_work(runtime.sessions) as session:
        ticket = get_ticket(session, number)
        change_status(session, ticket, Status.CLOSED, actor=None)
        ticket.closed_at = utcnow() - ago


def _age_files(runtime: Runtime, ago: timedelta = OLD) -> None:
    """The files were written seconds ago; make them as old as the rows say they are."""
    moment = time.time() - ago.total_seconds()
    for path in runtime.blobs.root.rglob("*"):
        if path.is_file():
            os.utime(path, (moment, moment))


def _files_of(runtime: Runtime, number: int) -> tuple[set[str], set[str]]:
    """(attachment sha256s, raw mail sha256s) of a ticket."""
    with runtime.sessions() as session:
        ticket = get_ticket(session, number)
        attachments = {item.sha256 for message in ticket.messages for item in message.attachments}
        raws = set(session.scalars(select(InboundMessage.raw_sha256).where(InboundMessage.ticket_id == number)))
    return attachments, raws


def _audit(runtime: Runtime) -> dict[str, list[dict[str, object]]]:
    with runtime.sessions() as session:
        records = session.scalars(select(AuditRecord).order_by(AuditRecord.id)).all()
    found: dict[str, list[dict[str, object]]] = {}
    for record in records:
        found.setdefault(record.action, []).append(json.loads(record.detail))
    return found


def test_the_worker_purges_old_closed_tickets_and_only_the_files_nobody_uses(
    gateway: Gateway, runtime: Runtime, settings: Settings
) -> None:
    old = deliver(gateway, mail_with_attachment("Old VPN issue", LOGO)).ticket
    unique = b"\x89PNG only in the old ticket"
    deliver(gateway, mail_with_attachment(f"Re: [#{old}] Old VPN issue", unique, filename="trace.png"))
    living = deliver(gateway, mail_with_attachment("New VPN issue", LOGO)).ticket
    recent = deliver(gateway, build_mail(subject="Closed last week")).ticket
    _close(runtime, old, OLD)
    _close(runtime, recent, timedelta(days=7))
    old_attachments, old_raws = _files_of(runtime, old)
    logo = next(sha for sha in _files_of(runtime, living)[0])
    _age_files(runtime)

    env = environment_for(settings.data_dir, settings.database_url, POSTDESK_CLOSED_TICKET_RETENTION_DAYS="30",
                          POSTDESK_AUTOCLOSE_DAYS="0", POSTDESK_BACKUP_KEEP="0")
    worker = Runtime(load_settings(env))
    try:
        jobs = singleton_jobs(worker)
        assert [job.name for job in jobs] == ["purge"]
        assert run_due(worker, "worker-a", jobs) == ["purge"]
    finally:
        worker.engine.dispose()

    with runtime.sessions() as session:
        assert {ticket.id for ticket in session.scalars(select(Ticket))} == {living, recent}
        assert not session.scalars(select(Message).where(Message.ticket_id == old)).all()
        assert not session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == old)).all()
        assert not session.scalars(select(InboundMessage).where(InboundMessage.raw_sha256.in_(old_raws))).all()
    present = {sha for sha in old_attachments | old_raws if runtime.blobs.path(sha).exists()}
    assert present == {logo}, "the logo is still used by the living ticket; everything else of #old is gone"
    audit = _audit(runtime)
    assert audit["purge_tickets"][0]["tickets"] == [old]
    assert audit["purge_files"] == [{"removed": len(old_attachments | old_raws) - 1, "bytes": audit["purge_files"][0]["bytes"], "kept": 1}]

    again = deliver(gateway, build_mail(subject=f"Re: [#{old}] Old VPN issue", body="It is back."))
    assert again.outcome is Outcome.TICKET_CREATED and again.ticket > recent, "a purged number is never given again"


def test_purge_raw_mail_keeps_the_log_rows_quarantined_mail_and_shared_raw_mail(
    gateway: Gateway, runtime: Runtime, settings: Settings
) -> None:
    old, quarantined, redelivered = (build_mail(subject=f"Raw {n}") for n in range(3))
    old_row = deliver(gateway, old).inbound_id
    quarantined_row = deliver(gateway, quarantined).inbound_id
    redelivered_row = deliver(gateway, redelivered).inbound_id
    with unit_of_work(runtime.sessions) as session:
        session.execute(update(InboundMessage).values(received_at=utcnow() - OLD))
        session.execute(update(InboundMessage).where(InboundMessage.id == quarantined_row).values(outcome=Outcome.QUARANTINED))
    _age_files(runtime)
    assert deliver(gateway, redelivered).outcome is Outcome.DUPLICATE, "the same bytes arrive again today"

    done = postdesk(settings, "purge", "--raw-mail-days", "30")
    assert done.returncode == 0, done.stderr
    assert "the raw mail of 2 inbound messages purged; 1 files removed (" in done.stdout
    assert done.stdout.endswith("1 still in use kept\n"), "the redelivered copy"

    with runtime.sessions() as session:
        rows = {row.id: row for row in session.scalars(select(InboundMessage))}
    assert len(rows) == 4, "the log keeps every row"
    assert not runtime.blobs.path(rows[old_row].raw_sha256).exists()
    assert runtime.blobs.get(rows[quarantined_row].raw_sha256) == quarantined, "quarantined mail is kept to be run again"
    assert runtime.blobs.get(rows[redelivered_row].raw_sha256) == redelivered, "today's copy still needs the bytes"

    again = CliRunner().invoke(main, ["purge", "--raw-mail-days", "30"], env=postdesk_env(settings))
    assert again.output.startswith("0 closed tickets and the raw mail of 0"), "the mark says this day is done"
    assert [detail["messages"] for detail in _audit(runtime)["purge_raw_mail"]] == [2, 0], "the quarantined message is not counted"


def test_a_file_stored_again_while_the_purge_runs_is_kept(gateway: Gateway, runtime: Runtime) -> None:
    """A gateway storing the same bytes right now has put() the file but not yet committed
    the row that refers to it: the purge must not take the file from under it."""
    picture = b"\x89PNG sent again right now"
    old = deliver(gateway, mail_with_attachment("Old", picture)).ticket
    _close(runtime, old, OLD)
    [sha] = _files_of(runtime, old)[0]
    _age_files(runtime)
    runtime.blobs.put(picture)  # the other gateway, between its put() and its commit

    policy = RetentionPolicy(closed_tickets=timedelta(days=30))
    report = purge(functools.partial(unit_of_work, runtime.sessions), runtime.blobs, policy, "test")
    assert report.tickets == [old]
    assert runtime.blobs.get(sha) == picture
    assert report.files.kept == 1 and report.files.removed == 1, "the raw mail went, the picture stayed"
    assert FRESH_SECONDS >= 3600


def test_a_purged_message_keeps_its_page_and_refuses_a_rerun(gateway: Gateway, runtime: Runtime, settings: Settings) -> None:
    add_people(runtime)
    rejected = deliver(gateway, build_mail(sender="stranger@other.example", subject="Refused once")).inbound_id
    with unit_of_work(runtime.sessions) as session:
        session.execute(update(InboundMessage).values(received_at=utcnow() - OLD, outcome=Outcome.REJECTED))
    _age_files(runtime)
    assert postdesk(settings, "purge", "--raw-mail-days", "30").returncode == 0

    with pytest.raises(NotFound, match="its raw source was purged by retention"):
        reprocess(gateway, rejected)
    agent = client_for(make_app(runtime), AGENT)
    page = agent.get(f"/admin/inbound/{rejected}")
    assert page.status_code == 200 and 'id="raw-purged"' in text(page)
    assert "Reprocess" not in text(page) and "Download .eml" not in text(page)
    assert agent.get(f"/admin/inbound/{rejected}/raw").status_code == 404
