"""`postdesk worker` and `postdesk outbox ...`: delivering notifications and looking after them."""

from __future__ import annotations

import click

from core.db import check_connection, unit_of_work
from core.models import OutboxStatus
from core.outbox import list_outbox, resend
from core.runtime import Runtime
from core.serialize import iso
from postdesk.cli._context import pass_runtime
from postdesk.cli._output import emit_json, emit_table
from postdesk.cli.processes import configure_logging


@click.command("worker")
@pass_runtime
def worker_command(rt: Runtime) -> None:
    """Run the scheduled jobs: outbox delivery over SMTP (or into the local mail sink)."""
    from postdesk.worker.scheduler import build_scheduler

    configure_logging()
    check_connection(rt.engine)
    settings = rt.settings
    relay = f"SMTP relay {settings.smtp_host}:{settings.smtp_port}"
    target = relay if settings.smtp_host else f"mail sink {settings.mail_sink_dir}"
    click.echo(f"postdesk worker delivering to {target}", err=True)
    try:
        build_scheduler(rt).start()
    except (KeyboardInterrupt, SystemExit):
        pass


@click.group("outbox")
def outbox_group() -> None:
    """Notifications waiting, sent or failed."""


@outbox_group.command("list")
@click.option("--status", type=click.Choice([s.value for s in OutboxStatus]))
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--json", "as_json", is_flag=True)
@pass_runtime
def outbox_list(rt: Runtime, status: str | None, limit: int, as_json: bool) -> None:
    """The newest notifications first, with their delivery state and last error."""
    with rt.sessions() as session:
        rows = [
            {"id": r.id, "ticket": r.ticket_id, "template": r.template, "to": r.recipients, "subject": r.subject,
             "status": r.status.value, "attempts": r.attempts, "last_error": r.last_error,
             "created_at": iso(r.created_at), "sent_at": iso(r.sent_at)}
            for r in list_outbox(session, OutboxStatus(status) if status else None, limit)
        ]
    if as_json:
        emit_json(rows)
        return
    emit_table([[str(r["id"]), r["status"], str(r["attempts"]), r["to"], r["subject"][:50], r["last_error"][:40]] for r in rows],
               ["id", "status", "tries", "to", "subject", "last error"])


@outbox_group.command("resend")
@click.argument("outbox_id", type=int)
@pass_runtime
def outbox_resend(rt: Runtime, outbox_id: int) -> None:
    """Queue a failed (or sent) notification again, due now."""
    with unit_of_work(rt.sessions) as session:
        row = resend(session, outbox_id)
        click.echo(f"outbox #{row.id} to {row.recipients} queued again")


def register(group: click.Group) -> None:
    group.add_command(worker_command)
    group.add_command(outbox_group)
