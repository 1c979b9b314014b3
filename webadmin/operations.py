"""Mail operations for staff: the inbound log (with the raw source and reprocess), the outbox
(with resend) and the local mail sink. Agents and admins; anyone else gets 403.

Raw mail is hostile input: the page shows it as escaped text (Jinja autoescaping, inside a
`<pre>`), and the download is `message/rfc822` as an attachment, never rendered inline."""

from __future__ import annotations

from typing import TypeVar

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue

from core.errors import DomainError
from core.inbound_log import list_inbound
from core.models import InboundMessage, OutboxMessage, OutboxStatus, Outcome
from core.outbox import list_outbox, resend
from mailgateway.intake import Gateway
from mailgateway.reprocess import REPROCESSABLE, reprocess
from webadmin.access import staff_only
from webadmin.actions import action
from webadmin.auth import safe_next
from webadmin.db import get_or_404, get_runtime, get_session
from webadmin.mail_sink import list_sink, read_sink, sink_path

bp = Blueprint("operations", __name__, url_prefix="/admin")
bp.before_request(staff_only)

Choice = TypeVar("Choice", Outcome, OutboxStatus)
Row = TypeVar("Row", InboundMessage, OutboxMessage)

PAGE_SIZE = 50
RAW_SHOWN = 512 * 1024
"""Bytes of raw source shown on the page; the download has all of it."""


def _choice(enum: type[Choice], name: str) -> Choice | None:
    """The `?name=` filter as a member of `enum`, None when empty, 400 when unknown."""
    value = request.args.get(name, "")
    if not value:
        return None
    try:
        return enum(value)
    except ValueError:
        abort(400, f"unknown {name} {value!r}")


def _page(rows: list[Row]) -> tuple[list[Row], int | None]:
    """The rows of this page and the `before` key of the next one (None on the last page)."""
    shown = rows[:PAGE_SIZE]
    return shown, (shown[-1].id if len(rows) > PAGE_SIZE else None)


@bp.route("/inbound")
def inbound() -> ResponseReturnValue:
    outcome = _choice(Outcome, "outcome")
    before = request.args.get("before", type=int)
    rows, next_before = _page(list_inbound(get_session(), outcome, PAGE_SIZE + 1, before))
    return render_template(
        "admin/inbound.html", rows=rows, outcome=outcome, outcomes=list(Outcome),
        next_before=next_before, reprocessable=REPROCESSABLE,
    )


def _stored_raw(row: InboundMessage) -> bytes | None:
    """The raw source, or None once retention (core.retention) has purged it."""
    path = get_runtime().blobs.path(row.raw_sha256)
    return path.read_bytes() if path.is_file() else None


def _raw(row: InboundMessage) -> bytes:
    raw = _stored_raw(row)
    if raw is None:
        abort(404, "the raw message is no longer stored (purged by retention)")
    return raw


@bp.route("/inbound/<int:inbound_id>")
def inbound_message(inbound_id: int) -> ResponseReturnValue:
    """One log row with its rule hits and the raw source as text (decoded for reading only).
    The row outlives its raw source when retention purged it: the page says so."""
    row = get_or_404(get_session(), InboundMessage, inbound_id)
    raw = _stored_raw(row)
    return render_template(
        "admin/inbound_message.html", row=row,
        raw=None if raw is None else raw[:RAW_SHOWN].decode("utf-8", "replace"),
        truncated=raw is not None and len(raw) > RAW_SHOWN,
        reprocessable=raw is not None and row.outcome in REPROCESSABLE,
    )


@bp.route("/inbound/<int:inbound_id>/raw")
def inbound_raw(inbound_id: int) -> ResponseReturnValue:
    response = Response(_raw(get_or_404(get_session(), InboundMessage, inbound_id)), mimetype="message/rfc822")
    response.headers["Content-Disposition"] = f"attachment; filename=inbound-{inbound_id}.eml"
    response.cache_control.private = True
    return response


@bp.route("/inbound/<int:inbound_id>/reprocess", methods=["POST"])
def inbound_reprocess(inbound_id: int) -> ResponseReturnValue:
    """Run the stored mail through the pipeline again; the row shows the new outcome."""
    get_or_404(get_session(), InboundMessage, inbound_id)
    try:
        result = reprocess(Gateway.from_runtime(get_runtime()), inbound_id)
    except DomainError as error:
        flash(str(error), "error")
    else:
        ticket = f": ticket #{result.ticket}" if result.ticket else ""
        flash(f"Reprocessed: {result.outcome.value.replace('_', ' ')}{ticket}.", "success")
    return redirect(url_for("operations.inbound_message", inbound_id=inbound_id))


@bp.route("/outbox")
def outbox() -> ResponseReturnValue:
    status = _choice(OutboxStatus, "status")
    before = request.args.get("before", type=int)
    rows, next_before = _page(list_outbox(get_session(), status, PAGE_SIZE + 1, before))
    return render_template(
        "admin/outbox.html", rows=rows, status=status, statuses=list(OutboxStatus), next_before=next_before
    )


@bp.route("/outbox/<int:outbox_id>/resend", methods=["POST"])
def outbox_resend(outbox_id: int) -> ResponseReturnValue:
    """Queue a failed (or sent) mail again, due now: the worker picks it up within seconds."""
    with action(f"Mail #{outbox_id} is queued again.") as session:
        resend(session, outbox_id)
    return redirect(safe_next(request.form.get("back")) or url_for("operations.outbox"))


@bp.route("/mail-sink")
def mail_sink() -> ResponseReturnValue:
    settings = get_runtime().settings
    entries, total = list_sink(settings.mail_sink_dir)
    return render_template(
        "admin/mail_sink.html", entries=entries, total=total, folder=settings.mail_sink_dir,
        relay=settings.smtp_host,
    )


@bp.route("/mail-sink/<name>")
def mail_sink_message(name: str) -> ResponseReturnValue:
    path = sink_path(get_runtime().settings.mail_sink_dir, name)
    if path is None:
        abort(404)
    return render_template("admin/mail_sink_message.html", mail=read_sink(path))
