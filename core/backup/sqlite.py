"""SQLite: a copy through the online backup API (consistent while the gateway writes), and a
restore that puts the copy in place of an empty database file."""

from __future__ import annotations

import os
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from core.backup.archive import BackupError
from core.backup.snapshot import DatabaseDump, facts
from core.db import make_engine

MEMBER = "database.sqlite3"
PAGES_PER_STEP = 1024
"""Pages copied per step of the backup API; between steps writers may commit (WAL)."""


def database_path(engine: Engine) -> Path:
    return Path(make_url(str(engine.url)).database or "")


def dump(engine: Engine, folder: Path) -> DatabaseDump:
    source = database_path(engine)
    if not source.is_file():
        raise BackupError(f"the SQLite database {source} does not exist")
    target = folder / MEMBER
    with closing(sqlite3.connect(source, timeout=30)) as live, closing(sqlite3.connect(target)) as copy:
        live.backup(copy, pages=PAGES_PER_STEP)
    copy_engine = make_engine(f"sqlite:///{target}")
    try:
        with copy_engine.connect() as connection:
            return facts(connection, target, MEMBER)
    finally:
        copy_engine.dispose()


def load(engine: Engine, dumped: Path) -> None:
    """Replace the (empty) database file with the dumped one, atomically, fsynced."""
    engine.dispose()
    target = database_path(engine)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(target.name + ".restoring")
    shutil.copyfile(dumped, staging)
    with staging.open("rb+") as handle:
        os.fsync(handle.fileno())
    for leftover in (target.with_name(target.name + "-wal"), target.with_name(target.name + "-shm")):
        leftover.unlink(missing_ok=True)
    os.replace(staging, target)
