"""`postdesk mailbox ...`: the IMAP mailboxes that `postdesk gateway imap` polls."""

from __future__ import annotations

import sys

import click

from core.db import unit_of_work
from core.mailboxes import add_mailbox, default_port, list_mailboxes, mailbox_summary, parse_security
from core.models import MailboxSecurity
from core.runtime import Runtime
from postdesk.cli._context import pass_runtime
from postdesk.cli._output import emit_json, emit_table


@click.group("mailbox")
def mailbox_group() -> None:
    """IMAP mailboxes to fetch support mail from."""


@mailbox_group.command("add")
@click.argument("name")
@click.option("--host", required=True, help="The IMAP server.")
@click.option("--port", type=click.IntRange(1, 65535), help="Default: 993 for tls, 143 otherwise.")
@click.option("--security", required=True, type=click.Choice([item.value for item in MailboxSecurity]))
@click.option("--user", "username", required=True, help="The IMAP login name.")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin (required).")
@click.option("--folder", default="INBOX", show_default=True, help="The folder to fetch unseen mail from.")
@click.option("--move-to", help="Move processed mail to this folder (created if missing), not only mark it seen.")
@pass_runtime
def mailbox_add(
    rt: Runtime,
    name: str,
    host: str,
    port: int | None,
    security: str,
    username: str,
    password_stdin: bool,
    folder: str,
    move_to: str | None,
) -> None:
    """Add a mailbox; a running `postdesk gateway imap` starts polling it within its poll interval.

    The password is read from stdin only, so it never shows in `ps` or in the shell history."""
    if not password_stdin:
        raise click.UsageError("give the IMAP password on stdin with --password-stdin")
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise click.UsageError("--password-stdin given but stdin held no password")
    parsed = parse_security(security)
    with unit_of_work(rt.sessions) as session:
        mailbox = add_mailbox(
            session,
            name,
            host=host,
            port=port or default_port(parsed),
            security=parsed,
            username=username,
            password=password,
            folder=folder,
            move_to=move_to,
        )
        account = f"{mailbox.username} on {mailbox.host}:{mailbox.port} ({mailbox.security.value})"
        click.echo(f"added mailbox {mailbox.name}: {account}, folder {mailbox.folder}")


@mailbox_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array (see the README).")
@pass_runtime
def mailbox_list(rt: Runtime, as_json: bool) -> None:
    """Every mailbox with where the poller got to and its last error; never the passwords."""
    with rt.sessions() as session:
        summaries = [mailbox_summary(mailbox) for mailbox in list_mailboxes(session)]
    if as_json:
        emit_json(summaries)
        return
    rows = [
        [
            s["name"],
            f"{s['username']} on {s['host']}:{s['port']} ({s['security']})",
            s["folder"] + (f" -> {s['move_to']}" if s["move_to"] else ""),
            "yes" if s["enabled"] else "no",
            s["last_polled_at"] or "never",
            s["last_error"][:60],
        ]
        for s in summaries
    ]
    emit_table(rows, ["name", "account", "folder", "enabled", "last polled", "last error"])


def register(group: click.Group) -> None:
    group.add_command(mailbox_group)
