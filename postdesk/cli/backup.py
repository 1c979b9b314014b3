"""`postdesk backup`, `restore`, `purge` and `jobs list`: looking after the data."""

from __future__ import annotations

import functools
import getpass
import socket
from datetime import timedelta
from pathlib import Path

import click

from core.backup import create_backup, prune_backups, restore_backup
from core.db import check_connection, unit_of_work
from core.jobs import recent_runs
from core.retention import RetentionPolicy, purge
from core.runtime import Runtime
from core.serialize import iso
from postdesk.cli._context import pass_runtime
from postdesk.cli._output import emit_json, emit_table


def cli_actor() -> str:
    """Names who ran a command, in the audit records."""
    return f"cli:{getpass.getuser()}@{socket.gethostname()}"


@click.command("backup")
@click.option("--keep", type=click.IntRange(1, 10_000), help="Then keep only the newest N archives in the backup dir.")
@pass_runtime
def backup_command(rt: Runtime, keep: int | None) -> None:
    """Archive the database and the stored files into POSTDESK_BACKUP_DIR (one .tar.gz)."""
    check_connection(rt.engine)
    result = create_backup(rt, cli_actor())
    manifest = result.manifest
    counts = ", ".join(f"{value} {name}" for name, value in manifest.counts.items())
    click.echo(f"{result.path}")
    click.echo(f"  {counts}; {manifest.blobs} files ({manifest.blob_bytes} bytes)", err=True)
    if manifest.missing_blobs or result.vanished_blobs:
        click.echo(f"  warning: {len(manifest.missing_blobs) + len(result.vanished_blobs)} referenced files were "
                   "missing from the store and are not in the archive", err=True)
    if keep:
        for old in prune_backups(rt.settings.backup_dir, keep):
            click.echo(f"  removed old archive {old.name}", err=True)


@click.command("restore")
@click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
@pass_runtime
def restore_command(rt: Runtime, archive: Path) -> None:
    """Restore ARCHIVE into the configured database, which must be empty, and the data dir.

    Stop every postdesk process first. The schema is migrated to this version afterwards."""
    check_connection(rt.engine)
    result = restore_backup(rt, archive, cli_actor())
    counts = ", ".join(f"{value} {name}" for name, value in result.manifest.counts.items())
    click.echo(f"restored {archive.name} (taken {result.manifest.created_at}): {counts}; {result.blobs} files")


@click.command("purge")
@click.option("--raw-mail-days", type=click.IntRange(1), help="Instead of POSTDESK_RAW_MAIL_RETENTION_DAYS.")
@click.option("--closed-ticket-days", type=click.IntRange(1), help="Instead of POSTDESK_CLOSED_TICKET_RETENTION_DAYS.")
@pass_runtime
def purge_command(rt: Runtime, raw_mail_days: int | None, closed_ticket_days: int | None) -> None:
    """Remove raw mail and closed tickets older than the retention settings (with an audit record)."""
    configured = RetentionPolicy.from_settings(rt.settings)
    policy = RetentionPolicy(
        raw_mail=_days(raw_mail_days) or configured.raw_mail,
        closed_tickets=_days(closed_ticket_days) or configured.closed_tickets,
    )
    if not policy.enabled:
        raise click.UsageError("nothing to purge: set POSTDESK_RAW_MAIL_RETENTION_DAYS or "
                               "POSTDESK_CLOSED_TICKET_RETENTION_DAYS, or pass --raw-mail-days/--closed-ticket-days")
    check_connection(rt.engine)
    report = purge(functools.partial(unit_of_work, rt.sessions), rt.blobs, policy, cli_actor())
    click.echo(report.summary())


def _days(value: int | None) -> timedelta | None:
    return timedelta(days=value) if value else None


@click.group("jobs")
def jobs_group() -> None:
    """Singleton jobs of the workers (auto-close, backup, purge)."""


@jobs_group.command("list")
@click.option("--job", help="Only this job.")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--json", "as_json", is_flag=True)
@pass_runtime
def jobs_list(rt: Runtime, job: str | None, limit: int, as_json: bool) -> None:
    """The newest runs first: which worker ran which slot, and how it went."""
    with rt.sessions() as session:
        rows = [
            {"job": run.job, "slot": run.slot, "state": run.state, "holder": run.holder, "attempts": run.attempts,
             "started_at": iso(run.started_at), "finished_at": iso(run.finished_at), "detail": run.detail}
            for run in recent_runs(session, job, limit)
        ]
    if as_json:
        emit_json(rows)
        return
    emit_table([[r["job"], r["slot"], r["state"], r["holder"], r["detail"][:60]] for r in rows],
               ["job", "slot", "state", "worker", "detail"])


def register(group: click.Group) -> None:
    for command in (backup_command, restore_command, purge_command, jobs_group):
        group.add_command(command)
