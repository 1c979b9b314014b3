"""Remove stored files (raw mail, attachments) that nothing refers to any more, never one
that is still or again wanted.

The store is content-addressed and shared: one logo in a thousand signatures is one file, and
a mail received twice is one raw file under two inbound rows. So a purge does not remove the
files of what it deleted; it offers them here as candidates, and a candidate goes only if

1. no remaining row refers to it (attachments; inbound rows whose raw mail is still kept), and
2. it was not stored again recently. A gateway storing the same bytes right now (put() before
   its commit, so no row refers to it yet) refreshes the file's mtime (BlobStore.put). The
   file is first renamed away, then its mtime is read: a put() that came before the rename
   shows in the mtime (the file is put back), one that came after finds no file and writes a
   new one. Either way the gateway's file survives, with no lock between the processes.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core.models import Attachment, InboundMessage, Outcome
from core.storage import BlobStore

CHUNK = 5000
"""Candidates per reference query: inbound_messages.raw_sha256 has no index, so each query is
one scan of the table; a day's purge is one or two queries."""
FRESH_SECONDS = 3600
"""A file stored within the last hour is kept: longer than any store-to-commit gap."""


@dataclass
class SweepResult:
    removed: int = 0
    removed_bytes: int = 0
    kept: int = 0


def still_referenced(session: Session, candidates: Iterable[str], raw_kept_since: datetime | None) -> set[str]:
    """The candidates some row still needs. Raw mail counts only where it is kept: received
    since `raw_kept_since` (None: all of it), or quarantined (it will be run again)."""
    referenced: set[str] = set()
    for chunk in _chunks(sorted(candidates)):
        referenced.update(session.scalars(select(Attachment.sha256).where(Attachment.sha256.in_(chunk))))
        raw = select(InboundMessage.raw_sha256).where(InboundMessage.raw_sha256.in_(chunk))
        if raw_kept_since is not None:
            raw = raw.where(or_(InboundMessage.received_at >= raw_kept_since, InboundMessage.outcome == Outcome.QUARANTINED))
        referenced.update(session.scalars(raw))
    return referenced


def sweep(blobs: BlobStore, session: Session, candidates: set[str], raw_kept_since: datetime | None) -> SweepResult:
    """Remove the candidates nothing refers to and nobody stored within FRESH_SECONDS."""
    result = SweepResult()
    unreferenced = candidates - still_referenced(session, candidates, raw_kept_since)
    result.kept = len(candidates) - len(unreferenced)
    fresh_after = time.time() - FRESH_SECONDS
    for sha in sorted(unreferenced):
        size = _discard(blobs, sha, fresh_after)
        if size is None:
            result.kept += 1
        else:
            result.removed += 1
            result.removed_bytes += size
    return result


def _discard(blobs: BlobStore, sha: str, fresh_after: float) -> int | None:
    """Remove one file unless it was stored again after `fresh_after`; its size, or None if kept."""
    path = blobs.path(sha)
    doomed = path.with_name(f".purging-{sha}")
    try:
        os.rename(path, doomed)
    except FileNotFoundError:
        return 0
    stat = doomed.stat()
    if stat.st_mtime > fresh_after:
        os.replace(doomed, path)
        return None
    doomed.unlink()
    return stat.st_size


def _chunks(items: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]
