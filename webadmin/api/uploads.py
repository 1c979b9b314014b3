"""Files for the API: uploaded first (POST /uploads), then attached to a ticket or comment by id.

The file is checked as the portal checks it (webadmin.portal.uploads: size, executables by
name and by content, the content type its bytes prove) and stored in the content-addressed
BlobStore. Its id is a signed, timed token naming the uploader, the blob and what was proven
about it, so no table is needed and nobody can attach another person's upload or invent a
blob: an id is good for its uploader for UPLOAD_MAX_AGE. An upload never attached stays as
unreferenced bytes in the store, as a failed portal request's files do."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from flask import request
from itsdangerous import BadData, URLSafeTimedSerializer

from core.models import User
from core.tickets import NewAttachment
from webadmin.api.bearer import Access, caller
from webadmin.api.blueprint import api
from webadmin.api.errors import ApiError
from webadmin.api.schemas.tickets import UploadOut
from webadmin.db import get_runtime
from webadmin.forms import MAX_FILE_SIZE, MIB
from webadmin.portal.uploads import file_problem, store_uploads
from webadmin.staff.attachments import download_name

UPLOAD_MAX_AGE = timedelta(days=1)
FILENAME_MAX = 255
UNKNOWN = "Unknown or expired upload id: upload the file again."


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_runtime().settings.secret_key, salt="postdesk.api.upload")


@api.operation("POST", "/uploads", tag="Uploads", access=Access.USER, upload=True, response=UploadOut, status=201)
def upload() -> UploadOut:
    """Upload one file (multipart/form-data, field `file`), to attach by its id.

    At most 25 MiB (413 beyond); programs are refused by name and by content (422)."""
    file = request.files.get("file")
    if file is None:
        raise ApiError(400, "Send the file as multipart/form-data in the field `file`.", fields={"file": "missing"})
    name = download_name(file.filename or "")
    if len(name) > FILENAME_MAX:
        raise ApiError(422, "The file name is too long.", fields={"file": f"At most {FILENAME_MAX} characters."})
    if len(file.stream.read(MAX_FILE_SIZE + 1)) > MAX_FILE_SIZE:
        raise ApiError(413, f"{name} is larger than {MAX_FILE_SIZE // MIB} MiB.", fields={"file": "too large"})
    file.stream.seek(0)
    problem = file_problem(file)
    if problem is not None:
        raise ApiError(422, problem, fields={"file": problem})
    stored = store_uploads(get_runtime().blobs, [file])[0]
    claims = {"u": caller().id, "n": stored.filename, "t": stored.content_type, "z": stored.size, "s": stored.sha256}
    return UploadOut(
        id=_signer().dumps(claims), filename=stored.filename, content_type=stored.content_type,
        size=stored.size, sha256=stored.sha256,
    )  # fmt: skip


def _attachment(upload_id: str, owner: User) -> NewAttachment | None:
    try:
        claims = _signer().loads(upload_id, max_age=int(UPLOAD_MAX_AGE.total_seconds()))
    except BadData:
        return None
    if not isinstance(claims, dict) or claims.get("u") != owner.id:
        return None
    if not get_runtime().blobs.path(claims["s"]).is_file():
        return None
    return NewAttachment(filename=claims["n"], content_type=claims["t"], size=claims["z"], sha256=claims["s"])


def attachments(upload_ids: Sequence[str], owner: User) -> tuple[NewAttachment, ...]:
    """The uploads these ids name, in order; 422 naming each id that is not `owner`'s valid upload."""
    found = [_attachment(upload_id, owner) for upload_id in upload_ids]
    problems = {f"attachments.{position}": UNKNOWN for position, item in enumerate(found) if item is None}
    if problems:
        raise ApiError(422, "Some attachments are not uploads of yours (or have expired).", fields=problems)
    return tuple(item for item in found if item is not None)
