"""Files from the portal's forms: checked as a whole before anything is stored, then stored.

The check reports every problem at once, each naming its file (too many files, too big,
a program), so the form can show them all next to the file field. Storing happens only
after every check of the form passed; the bytes go into the content-addressed BlobStore
before the transaction that refers to them, as the staff reply does
(webadmin.staff.attachments.store_uploads): a transaction that then fails leaves only
unreferenced bytes behind, never a half-written ticket."""

from __future__ import annotations

import os

from flask_wtf import FlaskForm
from werkzeug.datastructures import FileStorage
from wtforms import Field

from core.errors import InvalidInput
from core.storage import BlobStore
from core.tickets import NewAttachment
from core.upload_policy import HEAD_BYTES, check_upload
from webadmin.forms import MAX_FILE_SIZE, MAX_FILES, MIB
from webadmin.staff.attachments import download_name


def _size(upload: FileStorage) -> int:
    size = upload.stream.seek(0, os.SEEK_END)
    upload.stream.seek(0)
    return size


def _head(upload: FileStorage) -> bytes:
    head = upload.stream.read(HEAD_BYTES)
    upload.stream.seek(0)
    return head


def file_problem(upload: FileStorage) -> str | None:
    """Why this one file may not be attached, or None."""
    name = download_name(upload.filename or "")
    size = _size(upload)
    if size > MAX_FILE_SIZE:
        return f"{name} is {size / MIB:.1f} MiB; the limit is {MAX_FILE_SIZE // MIB} MiB per file."
    try:
        check_upload(name, _head(upload))
    except InvalidInput as refused:
        return str(refused)
    return None


class AcceptedFiles:
    """WTForms validator: at most MAX_FILES files, each within the size limit and not a program.
    Adds one message per problem to the field, so that all of them are shown together."""

    def __call__(self, _form: FlaskForm, field: Field) -> None:
        uploads: list[FileStorage] = field.data or []
        problems = []
        if len(uploads) > MAX_FILES:
            problems.append(f"At most {MAX_FILES} files at a time; you chose {len(uploads)}.")
        problems += [problem for upload in uploads if (problem := file_problem(upload)) is not None]
        field.errors.extend(problems)


def store_uploads(blobs: BlobStore, uploads: list[FileStorage]) -> tuple[NewAttachment, ...]:
    """Store files that AcceptedFiles passed, each under the type its content proves (core.upload_policy)."""
    stored = []
    for upload in uploads:
        name = download_name(upload.filename or "")
        data = upload.read()
        blob = blobs.put(data)
        content_type = check_upload(name, data[:HEAD_BYTES])
        stored.append(NewAttachment(filename=name, content_type=content_type, size=blob.size, sha256=blob.sha256))
    return tuple(stored)
