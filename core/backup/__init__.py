"""Backups: `postdesk backup` writes one archive of the database and the stored files;
`postdesk restore ARCHIVE` puts it back into an empty database.

An archive is a gzip'd tar named `postdesk-backup-YYYYMMDDTHHMMSSZ.tar.gz` holding
`manifest.json` (format, backend, schema revision, row counts, the blobs), the database
(`database.sqlite3`, an online-backup copy; or `database.pgdump`, `pg_dump --format=custom`)
and `blobs/<sha256>` for every file the database refers to (raw mail and attachments).
The blob list is read from the same snapshot as the dump, so the archive holds exactly the
files its database needs, and no file a purge removed before the snapshot.

- create.py: take a backup; rotation.py: keep the newest N
- restore.py: restore into an empty database
- archive.py: the archive format; sqlite.py, postgres.py: dump and load per backend
"""

from core.backup.archive import BackupError
from core.backup.create import BackupResult, create_backup
from core.backup.restore import RestoreResult, restore_backup
from core.backup.rotation import prune_backups

__all__ = ["BackupError", "BackupResult", "RestoreResult", "create_backup", "prune_backups", "restore_backup"]
