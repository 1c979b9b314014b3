"""`create_backup`: dump the database, then add every file it refers to, into one archive."""

from __future__ import annotations

import json
import logging
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from core.backup import postgres, sqlite
from core.backup.archive import (
    BLOB_PREFIX,
    MANIFEST,
    ArchiveWriter,
    Manifest,
    archive_name,
)
from core.backup.snapshot import DatabaseDump
from core.db import unit_of_work
from core.models import AuditRecord, utcnow
from core.runtime import Runtime
from core.storage import BlobStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BackupResult:
    path: Path
    manifest: Manifest
    vanished_blobs: tuple[str, ...] = ()


def dump_database(engine: Engine, folder: Path) -> DatabaseDump:
    backend = postgres if engine.dialect.name == "postgresql" else sqlite
    return backend.dump(engine, folder)


def create_backup(rt: Runtime, actor: str, now: datetime | None = None) -> BackupResult:
    """Write `postdesk-backup-<UTC time>.tar.gz` into the backup dir and record it.

    A referenced file missing from the store is listed in the manifest (the backup still
    runs: it is the best copy there is). A file that disappears while being copied (a purge
    that ran after the snapshot) is left out and reported."""
    folder = rt.settings.backup_dir
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    now = now or utcnow()
    with tempfile.TemporaryDirectory(dir=folder, prefix=".dump-") as scratch:
        dumped = dump_database(rt.engine, Path(scratch))
        present = sorted(sha for sha in dumped.referenced_blobs if rt.blobs.path(sha).is_file())
        manifest = Manifest(
            backend=rt.engine.dialect.name,
            database_file=dumped.member,
            schema_revision=dumped.revision,
            created_at=now.isoformat(),
            counts=dumped.counts,
            blobs=len(present),
            missing_blobs=sorted(dumped.referenced_blobs - set(present)),
        )
        with ArchiveWriter(archive_name(now, folder)) as archive:
            archive.add_bytes(MANIFEST, manifest.to_bytes())
            archive.add_file(dumped.member, dumped.path)
            manifest.blob_bytes, vanished = _add_blobs(archive, rt.blobs, present)
    result = BackupResult(archive.path, manifest, tuple(vanished))
    _record(rt, actor, result)
    return result


def _add_blobs(archive: ArchiveWriter, blobs: BlobStore, shas: list[str]) -> tuple[int, list[str]]:
    total, vanished = 0, []
    for sha in shas:
        try:
            total += archive.add_file(BLOB_PREFIX + sha, blobs.path(sha))
        except FileNotFoundError:
            vanished.append(sha)
    return total, vanished


def _record(rt: Runtime, actor: str, result: BackupResult) -> None:
    manifest = result.manifest
    if manifest.missing_blobs or result.vanished_blobs:
        log.warning("backup %s: %d referenced files missing from the store, %d vanished while copying",
                    result.path.name, len(manifest.missing_blobs), len(result.vanished_blobs))
    detail = {"archive": result.path.name, "size": result.path.stat().st_size, "counts": manifest.counts,
              "blobs": manifest.blobs, "missing_blobs": len(manifest.missing_blobs), "vanished_blobs": len(result.vanished_blobs)}
    with unit_of_work(rt.sessions) as session:
        session.add(AuditRecord(actor=actor, action="backup", detail=json.dumps(detail, sort_keys=True)))
