"""`postdesk inbound ...`: the inbound log, and re-running a message through the pipeline."""

from __future__ import annotations

import click
from sqlalchemy import select

from core.errors import InvalidInput, NotFound
from core.models import InboundMessage, Outcome
from core.runtime import Runtime
from core.serialize import inbound_row
from mailgateway.context import InboundMail
from mailgateway.intake import Gateway, ingest
from postdesk.cli._context import pass_runtime
from postdesk.cli._output import emit_json, emit_table

REPROCESSABLE = frozenset(
    {Outcome.QUARANTINED, Outcome.REJECTED, Outcome.AUTO_REPLY_IGNORED, Outcome.LOOP_DROPPED, Outcome.BOUNCE}
)
"""Outcomes that left no ticket or comment behind, so running them again cannot double anything."""


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
    query = select(InboundMessage).order_by(InboundMessage.id.desc()).limit(limit)
    if outcome:
        query = query.where(InboundMessage.outcome == Outcome(outcome))
    with rt.sessions() as session:
        rows = [inbound_row(row) for row in session.scalars(query)]
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
    with rt.sessions() as session:
        row = session.get(InboundMessage, inbound_id)
        if row is None:
            raise NotFound(f"no inbound message #{inbound_id}")
        if row.outcome not in REPROCESSABLE:
            raise InvalidInput(f"inbound #{inbound_id} is {row.outcome.value}; only failed or ignored mail is re-run")
        mail = InboundMail(
            raw=rt.blobs.get(row.raw_sha256),
            source=row.source,
            envelope_from=row.envelope_from,
            envelope_to=tuple(a for a in row.envelope_to.split(",") if a),
            received_at=row.received_at,
        )
    result = ingest(Gateway.from_runtime(rt), mail, reprocess_id=inbound_id)
    ticket = f" #{result.ticket}" if result.ticket else ""
    click.echo(f"inbound {inbound_id}: {result.outcome.value}{ticket} ({result.reason})")


def register(group: click.Group) -> None:
    group.add_command(inbound_group)
