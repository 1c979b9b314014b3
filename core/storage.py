"""Content-addressed file storage for raw mail and attachments.

A file's name is the sha256 of its bytes, so storing the same bytes twice is a no-op and a
retried delivery never piles up copies. Writes go to a temp file, are fsynced, then renamed:
a crash leaves either the whole file or nothing."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path


class StorageError(Exception):
    """The store cannot write now (disk full, read-only): a temporary failure for the sender."""


@dataclass(frozen=True, slots=True)
class StoredBlob:
    sha256: str
    size: int


def _fsync_directory(path: Path) -> None:
    """Make the rename itself durable: without it a power cut can lose a file we acknowledged."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, data: bytes) -> StoredBlob:
        digest = hashlib.sha256(data).hexdigest()
        target = self.path(digest)
        if not self._refresh(target):
            self._write_atomically(target, data)
        return StoredBlob(sha256=digest, size=len(data))

    def _refresh(self, target: Path) -> bool:
        """True if the bytes are stored already. Their mtime becomes now: a purge removing
        unreferenced files at this moment then sees the file was just wanted again and keeps
        it (core/blob_sweep.py); if the purge took it first, we write it anew."""
        try:
            os.utime(target)
        except FileNotFoundError:
            return False
        except OSError as error:
            raise StorageError(f"cannot store under {self.root}: {error.strerror}") from error
        return True

    def get(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()

    def _write_atomically(self, target: Path, data: bytes) -> None:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, temp_name = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(temp_name, target)
                _fsync_directory(target.parent)
            except BaseException:
                Path(temp_name).unlink(missing_ok=True)
                raise
        except OSError as error:
            raise StorageError(f"cannot store {len(data)} bytes under {self.root}: {error.strerror}") from error
