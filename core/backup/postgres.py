"""PostgreSQL: `pg_dump --format=custom` from an exported snapshot, `pg_restore` into an
empty database. The client tools must be at least the server's major version."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from sqlalchemy import Engine, inspect
from sqlalchemy.engine import URL

from core.backup.archive import BackupError
from core.backup.snapshot import DatabaseDump, facts

MEMBER = "database.pgdump"
LIBPQ_QUERY_VARIABLES = {"sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT", "host": "PGHOST", "port": "PGPORT"}


def tool(name: str) -> str:
    """`pg_dump`/`pg_restore` from PATH, else the newest of Debian's /usr/lib/postgresql/*/bin."""
    found = shutil.which(name)
    if found:
        return found
    installed = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0)
    if installed:
        return str(installed[-1])
    raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")


def libpq_environment(url: URL) -> dict[str, str]:
    """Connection settings for the client tools as PG* variables: the password never appears
    on a command line (where `ps` would show it)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    given = {"PGHOST": url.host, "PGPORT": url.port, "PGUSER": url.username, "PGPASSWORD": url.password, "PGDATABASE": url.database}
    env.update({key: str(value) for key, value in given.items() if value is not None})
    for option, variable in LIBPQ_QUERY_VARIABLES.items():
        value = url.query.get(option)
        if isinstance(value, str):
            env[variable] = value
    return env


def _run(engine: Engine, *command: str) -> None:
    try:
        subprocess.run(command, env=libpq_environment(engine.url), capture_output=True, text=True, check=True, stdin=subprocess.DEVNULL)
    except subprocess.CalledProcessError as error:
        detail = (error.stderr or error.stdout or "").strip().splitlines()
        raise BackupError(f"{Path(command[0]).name} failed: {detail[0] if detail else f'exit {error.returncode}'}") from None


def dump(engine: Engine, folder: Path) -> DatabaseDump:
    """Dump from a snapshot exported by a REPEATABLE READ transaction that also lists the
    referenced files: dump and file list see exactly the same database state."""
    target = folder / MEMBER
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            snapshot = connection.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
            dumped = facts(connection, target, MEMBER)
            _run(engine, tool("pg_dump"), "--format=custom", f"--snapshot={snapshot}", f"--file={target}")
    return dumped


def load(engine: Engine, dumped: Path) -> None:
    """Drop our (empty) tables, then restore the dump in one transaction."""
    tables = inspect(engine).get_table_names()
    if tables:
        with engine.begin() as connection:
            names = ", ".join(engine.dialect.identifier_preparer.quote(name) for name in tables)
            connection.exec_driver_sql(f"DROP TABLE IF EXISTS {names} CASCADE")
    engine.dispose()
    _run(engine, tool("pg_restore"), "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error",
         "--clean", "--if-exists", f"--dbname={engine.url.database}", str(dumped))
