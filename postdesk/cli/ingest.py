"""`postdesk ingest [FILE ...]`: the MTA pipe (Postfix/Exim) and bulk import of .eml files.

Exit status follows sysexits.h so an MTA does the right thing: 0 stored, 75 (EX_TEMPFAIL)
when nothing could be stored now (the MTA retries), 65 (EX_DATAERR) for input that is not
mail at all (it is still kept and logged as `rejected`)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from core.models import InboundSource, Outcome
from core.runtime import Runtime
from mailgateway.context import InboundMail, TemporaryFailure
from mailgateway.intake import NOT_MAIL, Gateway, ingest
from postdesk.cli._context import pass_runtime

EX_OK = 0
EX_DATAERR = 65
EX_NOINPUT = 66
EX_TEMPFAIL = 75


def _ingest_one(gateway: Gateway, name: str, raw: bytes, envelope_from: str | None, recipients: tuple[str, ...]) -> int:
    mail = InboundMail(raw=raw, source=InboundSource.PIPE, envelope_from=envelope_from, envelope_to=recipients)
    try:
        result = ingest(gateway, mail)
    except TemporaryFailure as error:
        click.echo(f"{name}: temporary failure, try again later: {error}", err=True)
        return EX_TEMPFAIL
    ticket = f" #{result.ticket}" if result.ticket else ""
    click.echo(f"{name}: {result.outcome.value}{ticket} (inbound {result.inbound_id}: {result.reason})")
    if result.outcome is Outcome.REJECTED and result.reason == NOT_MAIL:
        return EX_DATAERR
    return EX_OK


def _read(path: str) -> bytes | None:
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(path).read_bytes()
    except OSError as error:
        click.echo(f"{path}: cannot read: {error.strerror}", err=True)
        return None


@click.command("ingest")
@click.argument("files", nargs=-1)
@click.option("--sender", "envelope_from", help="Envelope sender, e.g. Postfix's ${sender}.")
@click.option("--recipient", "recipients", multiple=True, help="Envelope recipient (repeatable), e.g. ${recipient}.")
@pass_runtime
def ingest_command(rt: Runtime, files: tuple[str, ...], envelope_from: str | None, recipients: tuple[str, ...]) -> None:
    """Take one message per FILE, or one from stdin, into the helpdesk."""
    gateway = Gateway.from_runtime(rt)
    statuses = []
    for path in files or ("-",):
        raw = _read(path)
        name = "stdin" if path == "-" else path
        statuses.append(EX_NOINPUT if raw is None else _ingest_one(gateway, name, raw, envelope_from, tuple(r.lower() for r in recipients)))
    sys.exit(max(statuses, key=_severity))


def _severity(status: int) -> int:
    """A temporary failure matters most (the MTA must retry), then bad input, then success."""
    return {EX_TEMPFAIL: 3, EX_NOINPUT: 2, EX_DATAERR: 1}.get(status, 0)


def register(group: click.Group) -> None:
    group.add_command(ingest_command)
