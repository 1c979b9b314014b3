"""Keep the newest N archives in the backup dir; remove older ones and abandoned partials."""

from __future__ import annotations

import time
from pathlib import Path

from core.backup.archive import NAME

ABANDONED_AFTER = 24 * 3600
"""Seconds after which a `.partial` (a backup that crashed half-way) is removed."""


def prune_backups(folder: Path, keep: int) -> list[Path]:
    """Remove all but the newest `keep` archives (by the time in their names); return them.

    Only files named like our archives are touched, so the folder may hold other things."""
    if keep < 1 or not folder.is_dir():
        return []
    archives = sorted((path for path in folder.iterdir() if NAME.match(path.name)), key=_sort_key)
    removed = archives[:-keep]
    for path in removed:
        path.unlink(missing_ok=True)
    now = time.time()
    for partial in folder.glob("postdesk-backup-*.partial"):
        if now - partial.stat().st_mtime > ABANDONED_AFTER:
            partial.unlink(missing_ok=True)
    return removed


def _sort_key(path: Path) -> tuple[str, int]:
    """`...T020000Z.tar.gz` < `...T020000Z-2.tar.gz` < `...T020001Z.tar.gz`."""
    stem = path.name.removesuffix(".tar.gz")
    base, _, number = stem.partition("Z-")
    return (base if number else stem.removesuffix("Z"), int(number or 1))
