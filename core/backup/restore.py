"""`restore_backup`: an archive back into an empty database and the blob store.

Refuses a database that holds any row (restoring over live data would mix two histories);
an empty database, migrated or not, is fine. The files come first (each checked against its
sha256; a damaged archive stops the restore before the database is touched), then the
database, then the schema is migrated to this version (an older backup comes back in the
current schema). Stop every postdesk process before restoring."""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from sqlalchemy import Engine

from core.backup import postgres, sqlite
from core.backup.archive import (
    BLOB_PREFIX,
    MANIFEST,
    SHA256,
    BackupError,
    Manifest,
    members,
    open_archive,
)
from core.backup.snapshot import populated_tables
from core.db import unit_of_work
from core.migrate import upgrade
from core.models import AuditRecord
from core.runtime import Runtime
from core.storage import BlobStore


@dataclass(frozen=True)
class RestoreResult:
    manifest: Manifest
    blobs: int


def restore_backup(rt: Runtime, archive_path: Path, actor: str) -> RestoreResult:
    with open_archive(archive_path) as archive, tempfile.TemporaryDirectory(prefix="postdesk-restore-") as scratch:
        stream = members(archive)
        manifest = _manifest(next(stream, None), rt.engine)
        refuse_unless_empty(rt.engine)
        database = _database_file(next(stream, None), manifest, Path(scratch))
        restored = sum(_restore_blob(rt.blobs, member.name, reader) for member, reader in stream)
        (postgres if manifest.backend == "postgresql" else sqlite).load(rt.engine, database)
    upgrade(rt.engine)
    detail = {"archive": archive_path.name, "created_at": manifest.created_at, "counts": manifest.counts, "blobs": restored}
    with unit_of_work(rt.sessions) as session:
        session.add(AuditRecord(actor=actor, action="restore", detail=json.dumps(detail, sort_keys=True)))
    return RestoreResult(manifest, restored)


def refuse_unless_empty(engine: Engine) -> None:
    populated = populated_tables(engine)
    if populated:
        shown = ", ".join(populated[:5]) + (", ..." if len(populated) > 5 else "")
        raise BackupError(f"the database is not empty ({shown} hold rows); restore only into an empty database")


def _manifest(first: tuple[object, IO[bytes]] | None, engine: Engine) -> Manifest:
    if first is None or getattr(first[0], "name", None) != MANIFEST:
        raise BackupError("not a postdesk backup: manifest.json is not its first member")
    manifest = Manifest.from_bytes(first[1].read())
    if manifest.backend != engine.dialect.name:
        raise BackupError(f"the archive holds a {manifest.backend} database; the configured one is {engine.dialect.name}")
    return manifest


def _database_file(member: tuple[object, IO[bytes]] | None, manifest: Manifest, folder: Path) -> Path:
    if member is None or getattr(member[0], "name", None) != manifest.database_file:
        raise BackupError(f"the archive lacks its database file {manifest.database_file}")
    target = folder / manifest.database_file
    with target.open("wb") as handle:
        shutil.copyfileobj(member[1], handle)
    return target


def _restore_blob(blobs: BlobStore, name: str, reader: IO[bytes]) -> int:
    sha = name.removeprefix(BLOB_PREFIX)
    if not name.startswith(BLOB_PREFIX) or not SHA256.match(sha):
        raise BackupError(f"unexpected member in the archive: {name!r}")
    data = reader.read()
    if hashlib.sha256(data).hexdigest() != sha:
        raise BackupError(f"the archive is damaged: {name} does not match its checksum")
    blobs.put(data)
    return 1
