"""Reading the local mail sink: the .eml files the worker writes when no SMTP relay is set.

The files are ours (postdesk.worker.transports.MailSink), but a page that opens a file by a
name from the URL must not be talked into opening another one: a name is accepted only if it
is a plain `.eml` file name inside the sink folder. The HTML part is shown sanitised, as mail
HTML on a ticket page is: a template an admin edited could carry anything."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from markupsafe import Markup

from webadmin.page_html import page_html

LIST_LIMIT = 200
_NAME = re.compile(r"[^/\\\x00-\x1f]+\.eml")


@dataclass(frozen=True, slots=True)
class SinkEntry:
    name: str
    written_at: datetime
    size: int
    subject: str
    to: str


@dataclass(frozen=True, slots=True)
class SinkAttachment:
    filename: str
    content_type: str
    size: int


@dataclass(frozen=True, slots=True)
class SinkMail:
    name: str
    subject: str
    headers: list[tuple[str, str]]
    text: str
    html: Markup | None
    attachments: list[SinkAttachment]


def _parser() -> BytesParser:
    return BytesParser(policy=policy.default)


def _entry(path: Path) -> SinkEntry:
    stat = path.stat()
    with path.open("rb") as handle:
        headers = _parser().parse(handle, headersonly=True)
    return SinkEntry(
        name=path.name,
        written_at=datetime.fromtimestamp(stat.st_mtime, UTC),
        size=stat.st_size,
        subject=str(headers.get("Subject", "")),
        to=str(headers.get("To", "")),
    )


def list_sink(folder: Path, limit: int = LIST_LIMIT) -> tuple[list[SinkEntry], int]:
    """The newest `limit` mails (by the time the worker wrote them) and how many there are."""
    if not folder.is_dir():
        return [], 0
    files = [path for path in folder.iterdir() if _NAME.fullmatch(path.name) and path.is_file()]
    files.sort(key=lambda path: (path.stat().st_mtime_ns, path.name), reverse=True)
    return [_entry(path) for path in files[:limit]], len(files)


def sink_path(folder: Path, name: str) -> Path | None:
    """The file for `name`, if it is a sink file's plain name and exists."""
    if not _NAME.fullmatch(name) or name.startswith("."):
        return None
    path = folder / name
    return path if path.parent == folder and path.is_file() else None


def _size(part: EmailMessage) -> int:
    payload = part.get_payload(decode=True)
    return len(payload) if isinstance(payload, bytes) else 0


def read_sink(path: Path) -> SinkMail:
    message = _parser().parsebytes(path.read_bytes())
    assert isinstance(message, EmailMessage)
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    return SinkMail(
        name=path.name,
        subject=str(message.get("Subject", "")),
        headers=[(name, str(value)) for name, value in message.items()],
        text=text.get_content() if text is not None else "",
        html=page_html(html.get_content()) if html is not None else None,
        attachments=[
            SinkAttachment(part.get_filename() or "attachment", part.get_content_type(), _size(part))
            for part in message.iter_attachments()
        ],
    )
