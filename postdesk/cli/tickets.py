"""`postdesk tickets ...`: read tickets from a shell or a script."""

from __future__ import annotations

import click

from core.models import Status
from core.runtime import Runtime
from core.serialize import ticket_detail, ticket_summary
from core.tickets import get_ticket, list_tickets
from postdesk.cli._context import pass_runtime
from postdesk.cli._output import emit_json, emit_table


@click.group("tickets")
def tickets_group() -> None:
    """Tickets."""


@tickets_group.command("list")
@click.option("--status", type=click.Choice([status.value for status in Status]))
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array (see the README).")
@pass_runtime
def tickets_list(rt: Runtime, status: str | None, limit: int, as_json: bool) -> None:
    """The newest tickets first."""
    with rt.sessions() as session:
        tickets = list_tickets(session, status=Status(status) if status else None, limit=limit)
        summaries = [ticket_summary(ticket) for ticket in tickets]
    if as_json:
        emit_json(summaries)
        return
    rows = [
        [f"#{s['number']}", s["status"], s["priority"], s["requester"], s["title"][:60]] for s in summaries
    ]
    emit_table(rows, ["number", "status", "priority", "requester", "title"])


@tickets_group.command("show")
@click.argument("number", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object (see the README).")
@pass_runtime
def tickets_show(rt: Runtime, number: int, as_json: bool) -> None:
    """One ticket with its whole conversation."""
    with rt.sessions() as session:
        detail = ticket_detail(get_ticket(session, number))
    if as_json:
        emit_json(detail)
        return
    click.echo(f"#{detail['number']} {detail['title']}")
    click.echo(f"status {detail['status']}, priority {detail['priority']}, requester {detail['requester']}")
    for message in detail["messages"]:
        click.echo(f"\n--- {message['kind']} by {message['author']} at {message['created_at']}")
        click.echo(message["text"])
        for attachment in message["attachments"]:
            click.echo(f"[attachment] {attachment['filename']} ({attachment['content_type']}, {attachment['size']} bytes)")


def register(group: click.Group) -> None:
    group.add_command(tickets_group)
