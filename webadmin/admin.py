"""The staff panel under `/admin/`: the ticket list, one ticket, its attachments.

Admins and agents only: anyone else who is signed in gets 403."""

from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass

from flask import Blueprint, abort, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from markupsafe import Markup
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from core.models import Attachment, Message, Status, Ticket
from webadmin.auth import signed_in_user
from webadmin.db import get_runtime, get_session

bp = Blueprint("admin", __name__, url_prefix="/admin")
log = logging.getLogger(__name__)

PAGE_SIZE = 50
OPEN = "open"
OPEN_STATUSES = frozenset(Status) - {Status.RESOLVED, Status.CLOSED}

INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"})
"""Shown in the browser; everything else is downloaded. SVG is not here: it can carry script."""

_MIME_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*")
_CID_SRC = re.compile(r'src="cid:([^"]*)"')


@dataclass(frozen=True, slots=True)
class ShownMessage:
    message: Message
    html: Markup | None


@bp.before_request
@login_required
def require_staff() -> None:
    if not signed_in_user().is_staff:
        abort(403)


@bp.route("/")
def index() -> ResponseReturnValue:
    return redirect(url_for("admin.tickets"))


@bp.route("/tickets")
def tickets() -> ResponseReturnValue:
    """Most recently updated first; `?status=` is a status, `open` or empty for all."""
    status = request.args.get("status", "")
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    query = _filtered(select(Ticket), status)
    query = query.options(selectinload(Ticket.requester), selectinload(Ticket.assignee))
    query = query.order_by(Ticket.updated_at.desc(), Ticket.id.desc())
    rows = list(get_session().scalars(query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)))
    return render_template(
        "admin/tickets.html",
        tickets=rows[:PAGE_SIZE],
        status=status,
        statuses=list(Status),
        page=page,
        has_next=len(rows) > PAGE_SIZE,
    )


def _filtered(query: Select[tuple[Ticket]], status: str) -> Select[tuple[Ticket]]:
    if status == "":
        return query
    if status == OPEN:
        return query.where(Ticket.status.in_(OPEN_STATUSES))
    try:
        return query.where(Ticket.status == Status(status))
    except ValueError:
        abort(400, f"unknown status {status!r}")


@bp.route("/tickets/<int:number>")
def ticket(number: int) -> ResponseReturnValue:
    found = get_session().get(
        Ticket,
        number,
        options=[
            selectinload(Ticket.messages).selectinload(Message.attachments),
            selectinload(Ticket.messages).selectinload(Message.author),
        ],
    )
    if found is None:
        abort(404)
    shown = [ShownMessage(message, mail_html(message)) for message in found.messages]
    return render_template("admin/ticket.html", ticket=found, messages=shown)


def mail_html(message: Message) -> Markup | None:
    """The message's HTML, sanitised at intake (mailgateway.html), with its `cid:` images
    pointed at our attachment URLs. The regex only meets serialiser output, where attribute
    values are always double-quoted, and it only ever inserts a URL we built."""
    if message.html is None:
        return None
    by_content_id = {item.content_id: item.id for item in message.attachments if item.content_id}

    def link(match: re.Match[str]) -> str:
        attachment_id = by_content_id.get(html.unescape(match.group(1)))
        if attachment_id is None:
            return match.group(0)
        return f'src="{url_for("admin.attachment", attachment_id=attachment_id)}"'

    return Markup(_CID_SRC.sub(link, message.html))


@bp.route("/attachments/<int:attachment_id>")
def attachment(attachment_id: int) -> ResponseReturnValue:
    """The stored bytes under their own type; only images and PDF are shown inline."""
    item = get_session().get(Attachment, attachment_id)
    if item is None:
        abort(404)
    path = get_runtime().blobs.path(item.sha256)
    if not path.is_file():
        log.error("attachment %s: blob %s is missing from the store", item.id, item.sha256)
        abort(404)
    mimetype = served_type(item.content_type)
    response = send_file(
        path,
        mimetype=mimetype,
        as_attachment=mimetype not in INLINE_TYPES,
        download_name=download_name(item.filename),
    )
    response.cache_control.private = True
    return response


def served_type(content_type: str) -> str:
    """The stored type if it is a well-formed `type/subtype`, else application/octet-stream."""
    mimetype = content_type.split(";", 1)[0].strip().lower()
    return mimetype if _MIME_TYPE.fullmatch(mimetype) else "application/octet-stream"


def download_name(filename: str) -> str:
    """The file's own name without control characters or directories, or `attachment`."""
    cleaned = "".join(char for char in filename if char.isprintable())
    cleaned = cleaned.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return cleaned or "attachment"
