"""The archive format: a gzip'd tar, written to `NAME.partial` and renamed when complete.

Members, in this order so that a restore reads the archive in one pass: `manifest.json`,
the database file, then `blobs/<sha256>`. Member names are never used as paths on restore:
a blob's name must be 64 hex digits and is checked against the sha256 of its bytes."""

from __future__ import annotations

import io
import json
import os
import re
import tarfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

from core.errors import DomainError

FORMAT = "postdesk-backup"
VERSION = 1
MANIFEST = "manifest.json"
BLOB_PREFIX = "blobs/"
SUFFIX = ".tar.gz"
NAME = re.compile(r"^postdesk-backup-\d{8}T\d{6}Z(-\d+)?\.tar\.gz$")
SHA256 = re.compile(r"^[0-9a-f]{64}$")
COMPRESSION = 1
"""gzip level 1: raw mail shrinks to about a third even so, and a daily backup of gigabytes of
attachments (mostly compressed already) must not keep a core busy for an hour."""


class BackupError(DomainError):
    """A backup or restore cannot be done; the message says why in one line."""


@dataclass
class Manifest:
    backend: str
    database_file: str
    schema_revision: str | None
    created_at: str
    counts: dict[str, int] = field(default_factory=dict)
    blobs: int = 0
    blob_bytes: int = 0
    missing_blobs: list[str] = field(default_factory=list)
    format: str = FORMAT
    version: int = VERSION

    def to_bytes(self) -> bytes:
        return json.dumps(asdict(self), indent=2, sort_keys=True).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> Manifest:
        try:
            fields: dict[str, Any] = json.loads(data)
            manifest = cls(**fields)
        except (ValueError, TypeError) as error:
            raise BackupError(f"the archive's manifest is unreadable: {error}") from None
        if manifest.format != FORMAT or manifest.version != VERSION:
            raise BackupError(f"not a postdesk backup of a version this program reads ({manifest.format} {manifest.version})")
        return manifest


def archive_name(now: datetime, folder: Path) -> Path:
    """`postdesk-backup-20261124T020000Z.tar.gz`, with `-2`, `-3`, ... if that second is taken."""
    stem = f"postdesk-backup-{now:%Y%m%dT%H%M%SZ}"
    candidate, number = folder / f"{stem}{SUFFIX}", 1
    while candidate.exists():
        number += 1
        candidate = folder / f"{stem}-{number}{SUFFIX}"
    return candidate


class ArchiveWriter:
    """Writes `path.partial` (mode 0600: the archive holds every secret of the database) and
    renames it to `path` only when the archive is complete and on disk."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.partial = path.with_name(path.name + ".partial")
        fd = os.open(self.partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self._file: IO[bytes] = os.fdopen(fd, "wb")
        self._tar = tarfile.open(fileobj=self._file, mode="w:gz", compresslevel=COMPRESSION)  # noqa: SIM115 closed in __exit__

    def add_bytes(self, name: str, data: bytes) -> None:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        info.mtime = int(time.time())
        info.mode = 0o600
        self._tar.addfile(info, io.BytesIO(data))

    def add_file(self, name: str, path: Path) -> int:
        """Add a file's bytes under `name`; return its size."""
        with path.open("rb") as handle:
            info = self._tar.gettarinfo(arcname=name, fileobj=handle)
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            self._tar.addfile(info, handle)
        return info.size

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        try:
            self._tar.close()
            self._file.flush()
            os.fsync(self._file.fileno())
        finally:
            self._file.close()
        if kind is not None:
            self.partial.unlink(missing_ok=True)
            return
        os.replace(self.partial, self.path)
        fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def open_archive(path: Path) -> tarfile.TarFile:
    """The archive for reading in one pass (members in the order they were written)."""
    try:
        return tarfile.open(path, mode="r|gz")
    except FileNotFoundError:
        raise BackupError(f"no such archive: {path}") from None
    except (tarfile.TarError, OSError) as error:
        raise BackupError(f"{path} is not a readable backup archive: {error}") from None


def members(archive: tarfile.TarFile) -> Iterator[tuple[tarfile.TarInfo, IO[bytes]]]:
    """Each regular file member with a reader for its bytes; a damaged archive is a BackupError."""
    try:
        for member in archive:
            if not member.isfile():
                continue
            reader = archive.extractfile(member)
            if reader is not None:
                yield member, reader
    except (tarfile.TarError, EOFError, OSError) as error:
        raise BackupError(f"the archive is damaged: {error}") from None
