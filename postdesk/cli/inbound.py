"""`postdesk inbound ...`: the inbound log, and re-running a message through the pipeline."""

from __future__ import annotations

import click

from core.inbound_log import list_inbound
from core.models import Outcome
from core.runtime import Runtime
from core.serialize import inbound_row
from mailgateway.intake import Gateway
from mailgateway.reprocess import reprocess
from postdesk.cli._context import pass_runtime
from postdesk.cli._output import emit_json, emit_table


@click.group("inbound")
def inbound_group() -> None:
    """The log of every received message."""


@inbound_group.command("list")
@click.option("--outcome", type=click.Choice([o.value for o in Outcome]))
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array (see the README).")
@pass_runtime
def inbound_list(rt: Runtime, outcome: str | None, limit: int, as_json: bool) -> None:
    """The newest received messages first."""
    with rt.sessions() as session:
        rows = [inbound_row(row) for row in list_inbound(session, Outcome(outcome) if outcome else None, limit)]
    if as_json:
        emit_json(rows)
        return
    table = [
        [str(r["id"]), r["source"], r["outcome"], f"#{r['ticket']}" if r["ticket"] else "-", r["reason"][:70]]
        for r in rows
    ]
    emit_table(table, ["id", "source", "outcome", "ticket", "reason"])


@inbound_group.command("reprocess")
@click.argument("inbound_id", type=int)
@pass_runtime
def inbound_reprocess(rt: Runtime, inbound_id: int) -> None:
    """Run a stored message through the pipeline again (e.g. after a quarantine was fixed)."""
    result = reprocess(Gateway.from_runtime(rt), inbound_id)
    ticket = f" #{result.ticket}" if result.ticket else ""
    click.echo(f"inbound {inbound_id}: {result.outcome.value}{ticket} ({result.reason})")


def register(group: click.Group) -> None:
    group.add_command(inbound_group)
