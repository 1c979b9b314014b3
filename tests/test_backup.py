"""`postdesk backup` and `postdesk restore` for real, on SQLite (online backup API) and on
PostgreSQL (pg_dump/pg_restore): a round trip keeps tickets, attachments and raw mail; a
restore refuses a used database and a damaged archive; the worker's daily backup runs once
per day across workers and keeps the newest N archives."""

from __future__ import annotations

import io
import tarfile
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from core.backup import BackupError, create_backup, prune_backups, restore_backup
from core.config import Settings, load_settings
from core.models import AuditRecord, InboundMessage, JobRun
from core.runtime import Runtime
from core.serialize import ticket_detail
from core.tickets import get_ticket
from mailgateway.intake import Gateway
from postdesk.cli import main
from postdesk.worker.singletons import run_due, singleton_jobs
from tests.cli_helpers import postdesk, postdesk_env
from tests.db_fixtures import environment_for
from tests.mail_fixtures import SUPPORT, build_mail, deliver


def mail_with_attachment(subject: str, data: bytes, filename: str = "screenshot.png", sender: str = "alice@corp.example") -> bytes:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, SUPPORT, subject
    message["Message-ID"] = f"<{uuid.uuid4().hex}@corp.example>"
    message.set_content("See the attached screenshot.")
    message.add_attachment(data, maintype="image", subtype="png", filename=filename)
    return message.as_bytes(policy=policy.SMTP)


@pytest.fixture
def empty_settings(request: pytest.FixtureRequest, runtime: Runtime, tmp_path: Path) -> Iterator[Settings]:
    """Settings for a second, empty database on the same backend (never migrated) and data dir."""
    if runtime.engine.dialect.name == "postgresql":
        server = request.getfixturevalue("postgres_server")
        name = f"restored_{uuid.uuid4().hex[:10]}"
        server.create_database(name)
        yield load_settings(environment_for(tmp_path / "restored-var", server.url(name)))
        server.drop_database(name)
        return
    (tmp_path / "restored-db").mkdir()
    yield load_settings(environment_for(tmp_path / "restored-var", f"sqlite:///{tmp_path / 'restored-db' / 'postdesk.sqlite3'}"))


def _backup(settings: Settings) -> Path:
    done = postdesk(settings, "backup")
    assert done.returncode == 0, done.stderr
    return Path(done.stdout.strip())


def _show(settings: Settings, number: int) -> dict[str, Any]:
    """What `postdesk tickets show N --json` prints, read in-process (a subprocess each costs seconds)."""
    rt = Runtime(settings)
    try:
        with rt.sessions() as session:
            return ticket_detail(get_ticket(session, number))
    finally:
        rt.engine.dispose()


def test_round_trip_keeps_tickets_attachments_and_raw_mail(
    gateway: Gateway, runtime: Runtime, settings: Settings, empty_settings: Settings
) -> None:
    picture = b"\x89PNG\r\n" + uuid.uuid4().bytes * 100
    raws = [mail_with_attachment("VPN drops every hour", picture), build_mail(subject="Printer jammed")]
    numbers = [deliver(gateway, raw).ticket for raw in raws]
    reply = build_mail(subject=f"Re: [#{numbers[0]}] VPN drops every hour", body="Still dropping.")
    raws.append(reply)
    assert deliver(gateway, reply).ticket == numbers[0]
    before = [_show(settings, number) for number in numbers]

    archive = _backup(settings)
    assert archive.parent == settings.backup_dir and archive.name.startswith("postdesk-backup-")
    restored = postdesk(empty_settings, "restore", str(archive))
    assert restored.returncode == 0, restored.stderr
    assert "3 inbound_messages" in restored.stdout and "2 tickets" in restored.stdout

    assert [_show(empty_settings, number) for number in numbers] == before
    copy = Runtime(empty_settings)
    try:
        [attachment] = before[0]["messages"][0]["attachments"]  # type: ignore[index]
        assert copy.blobs.get(attachment["sha256"]) == picture
        with copy.sessions() as session:
            stored = [copy.blobs.get(sha) for sha in session.scalars(select(InboundMessage.raw_sha256).order_by(InboundMessage.id))]
            actions = list(session.scalars(select(AuditRecord.action).order_by(AuditRecord.id)))
        assert stored == raws
        assert actions == ["restore"], "the backup is recorded after its snapshot, in the source database"
        follow_up = build_mail(subject=f"Re: [#{numbers[1]}] Printer jammed", body="Jammed again.")
        assert deliver(Gateway.from_runtime(copy), follow_up).ticket == numbers[1], "the restored helpdesk works on"
    finally:
        copy.engine.dispose()

    again = CliRunner().invoke(main, ["restore", str(archive)], env=postdesk_env(empty_settings))
    assert again.exit_code == 2
    assert "the database is not empty (users, tickets, inbound_messages" in again.output


def test_a_damaged_archive_is_refused_before_the_database_is_touched(
    gateway: Gateway, runtime: Runtime, empty_settings: Settings, tmp_path: Path
) -> None:
    deliver(gateway, mail_with_attachment("Broken", b"picture bytes"))
    archive = create_backup(runtime, "test").path
    damaged = tmp_path / archive.name
    with tarfile.open(archive, "r:gz") as source, tarfile.open(damaged, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()  # type: ignore[union-attr]
            if member.name.startswith("blobs/") and data == b"picture bytes":
                data = b"picture bytez"
            member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    copy = Runtime(empty_settings)
    try:
        with pytest.raises(BackupError, match="does not match its checksum"):
            restore_backup(copy, damaged, "test")
        restore_backup(copy, archive, "test")  # nothing was written: the good archive still goes in
    finally:
        copy.engine.dispose()


def test_daily_backup_runs_once_per_day_across_workers_and_keeps_the_newest(
    gateway: Gateway, settings: Settings, tmp_path: Path
) -> None:
    deliver(gateway, build_mail())
    env = environment_for(settings.data_dir, settings.database_url, POSTDESK_BACKUP_KEEP="2", POSTDESK_BACKUP_HOUR="2",
                          POSTDESK_AUTOCLOSE_DAYS="0")
    workers = [Runtime(load_settings(env)) for _ in range(3)]
    try:
        jobs = singleton_jobs(workers[0])
        assert [job.name for job in jobs] == ["backup"]
        assert run_due(workers[0], "early", jobs, datetime(2026, 11, 1, 1, 59, tzinfo=UTC)) == [], "not before 02:00 UTC"
        ran: list[list[str]] = []
        day_one = datetime(2026, 11, 1, 2, 0, 30, tzinfo=UTC)
        threads = [threading.Thread(target=lambda rt=rt, n=n: ran.append(run_due(rt, f"worker-{n}", jobs, day_one)))
                   for n, rt in enumerate(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(ran) == [[], [], ["backup"]]
        assert run_due(workers[1], "worker-1", jobs, day_one.replace(hour=23)) == [], "the day's slot is done"
        for day in (2, 3):
            assert run_due(workers[day - 1], f"worker-{day}", jobs, day_one.replace(day=day)) == ["backup"]
        with workers[0].sessions() as session:
            runs = {(run.slot, run.state) for run in session.scalars(select(JobRun))}
        assert runs == {("2026-11-01", "done"), ("2026-11-02", "done"), ("2026-11-03", "done")}
        assert len(list(settings.backup_dir.glob("postdesk-backup-*.tar.gz"))) == 2
    finally:
        for rt in workers:
            rt.engine.dispose()


def test_prune_keeps_the_newest_archives_and_nothing_else(tmp_path: Path) -> None:
    names = ["postdesk-backup-20261101T020000Z.tar.gz", "postdesk-backup-20261102T020000Z.tar.gz",
             "postdesk-backup-20261102T020000Z-2.tar.gz", "postdesk-backup-20261103T020000Z.tar.gz", "notes.txt"]
    for name in names:
        (tmp_path / name).write_bytes(b"x")
    removed = prune_backups(tmp_path, keep=2)
    assert sorted(path.name for path in removed) == names[:2]
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(names[2:])
