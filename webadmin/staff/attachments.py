"""Files on tickets: safe downloads, inline `cid:` images in mail HTML, and uploads from the
reply form into the content-addressed BlobStore."""

from __future__ import annotations

import html
import logging
import mimetypes
import re

from flask import abort, send_file, url_for
from flask.typing import ResponseReturnValue
from markupsafe import Markup
from werkzeug.datastructures import FileStorage

from core.models import Attachment, Message
from core.permissions import Action
from core.storage import BlobStore
from core.tickets import NewAttachment
from webadmin.db import get_runtime, get_session
from webadmin.staff import bp
from webadmin.staff.common import permitted

log = logging.getLogger(__name__)

INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"})
"""Shown in the browser; everything else is downloaded. SVG is not here: it can carry script."""

_MIME_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*")
_CID_SRC = re.compile(r'src="cid:([^"]*)"')


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
    session = get_session()
    item = session.get(Attachment, attachment_id)
    if item is None:
        abort(404)
    permitted(session, item.message.ticket, Action.SEE_INTERNAL_NOTES if not item.message.kind.is_public else Action.VIEW)
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


def store_uploads(blobs: BlobStore, uploads: list[FileStorage]) -> tuple[NewAttachment, ...]:
    """Put the uploaded files into the store, before the transaction that refers to them.

    If that transaction then fails, the stored bytes stay unreferenced: harmless, as the store
    is content-addressed (the same file sent again reuses them), and nothing half-written is
    visible in the database."""
    stored = []
    for upload in uploads:
        name = download_name(upload.filename or "")
        blob = blobs.put(upload.read())
        guessed = mimetypes.guess_type(name)[0] or "application/octet-stream"
        content_type = served_type(upload.mimetype) if upload.mimetype else guessed
        stored.append(NewAttachment(filename=name, content_type=content_type, size=blob.size, sha256=blob.sha256))
    return tuple(stored)
