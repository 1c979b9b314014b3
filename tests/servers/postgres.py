"""A throwaway PostgreSQL cluster in a temp dir, on a free port of 127.0.0.1.

``initdb`` refuses to run as root, so when the tests run as root every
PostgreSQL binary runs as the ``postgres`` OS user through ``runuser``, and
the temp dir belongs to that user.

Durability against an OS crash is switched off for speed (``fsync``,
``full_page_writes``), but ``synchronous_commit`` stays on: with it off, a
commit acknowledged less than ~0.6 s before ``stop("immediate")`` is lost
(its WAL is still in shared memory), which would make "no mail is lost while
the database is down" tests fail for the fixture's sake. With ``fsync=off`` a
synchronous commit is only a write() into the page cache, so it costs nothing.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

import psycopg2
from psycopg2 import sql
from psycopg2.extensions import connection as Connection
from psycopg2.extensions import cursor as Cursor

from tests.servers import LOCALHOST, ServerError, ServerUnavailable, free_port, log_tail

OS_USER = "postgres"
SUPERUSER = "postgres"
TIMEOUT = 60
StopMode = Literal["smart", "fast", "immediate"]


def _version_key(initdb: Path) -> tuple[int, ...]:
    """(15,) for /usr/lib/postgresql/15/bin/initdb, (9, 6) for .../9.6/...."""
    return tuple(int(n) for n in re.findall(r"\d+", initdb.parent.parent.name))


def find_bindir() -> Path:
    """The directory of ``initdb``: from PATH if there, else the highest Debian version."""
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).resolve().parent
    installed = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=_version_key)
    if not installed:
        raise ServerUnavailable(
            "PostgreSQL is not installed: no initdb on PATH nor in "
            "/usr/lib/postgresql/*/bin (apt-get install postgresql)"
        )
    return installed[-1].parent


def _owner() -> pwd.struct_passwd | None:
    """The OS user to run PostgreSQL as: ``postgres`` when we are root, else ourselves (None)."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(OS_USER)
    except KeyError:
        raise ServerUnavailable(f"running as root needs the {OS_USER!r} OS user") from None


class PostgresServer:
    """One PostgreSQL cluster: ``start()``, ``stop()``, ``restart()``, ``cleanup()``."""

    def __init__(self, bindir: Path | None = None) -> None:
        self.bindir = bindir or find_bindir()
        self.owner = _owner()
        self.host = LOCALHOST
        self.port = free_port()
        self.tmpdir = Path(tempfile.mkdtemp(prefix="postdesk-pg-"))
        self._chown(self.tmpdir)
        self.datadir = self.tmpdir / "data"
        self.sockdir = self.tmpdir / "sock"
        self.logfile = self.tmpdir / "postgres.log"

    # -- lifecycle -----------------------------------------------------------

    def start(self) -> None:
        """Create the cluster on first use, then start it and wait until it accepts connections."""
        if not self.datadir.exists():
            self._initdb()
        self._pg_ctl("start", "-l", str(self.logfile))

    def stop(self, mode: StopMode = "fast") -> None:
        """Stop and wait until it is down; ``immediate`` is a crash (recovery on next start)."""
        self._pg_ctl("stop", "-m", mode)

    def restart(self) -> None:
        self.stop()
        self.start()

    def is_running(self) -> bool:
        return (self.datadir / "postmaster.pid").exists()

    def cleanup(self) -> None:
        """Kill the server whatever its state and remove the temp dir."""
        if self.is_running():
            try:
                self.stop("immediate")
            except ServerError:
                self._kill_postmaster()
        shutil.rmtree(self.tmpdir, ignore_errors=True)

    # -- databases -----------------------------------------------------------

    def url(self, dbname: str) -> str:
        """A SQLAlchemy URL for ``dbname`` as the superuser (trust auth, no password)."""
        return f"postgresql+psycopg2://{SUPERUSER}@{self.host}:{self.port}/{dbname}"

    def connect(self, dbname: str = "postgres") -> Connection:
        """A plain psycopg2 connection (not autocommit); the caller closes it."""
        return psycopg2.connect(
            host=self.host, port=self.port, user=SUPERUSER, dbname=dbname, connect_timeout=5
        )

    def create_database(self, name: str, template: str | None = None) -> None:
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template:
            statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
        with self._admin() as cur:
            cur.execute(statement)

    def drop_database(self, name: str) -> None:
        """Drop ``name`` even while other sessions are connected to it (they are terminated)."""
        with self._admin() as cur:
            cur.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
            cur.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))

    # -- internals -----------------------------------------------------------

    @contextmanager
    def _admin(self) -> Iterator[Cursor]:
        """An autocommit cursor on the ``postgres`` database (CREATE/DROP DATABASE need it)."""
        conn = self.connect()
        conn.autocommit = True
        try:
            with conn.cursor() as cur:
                yield cur
        finally:
            conn.close()

    def _initdb(self) -> None:
        self._run(
            "initdb", "-D", str(self.datadir), "-U", SUPERUSER, "-A", "trust",
            "-E", "UTF8", "--locale=C", "--no-sync",
        )  # fmt: skip
        self.sockdir.mkdir()
        self._chown(self.sockdir)
        (self.datadir / "pg_hba.conf").write_text(
            "local all all trust\nhost all all 127.0.0.1/32 trust\n"
        )
        with (self.datadir / "postgresql.conf").open("a") as conf:
            conf.write(
                f"\nlisten_addresses = '{LOCALHOST}'\n"
                f"port = {self.port}\n"
                f"unix_socket_directories = '{self.sockdir}'\n"
                "fsync = off\nfull_page_writes = off\n"
            )

    def _pg_ctl(self, action: str, *options: str) -> None:
        self._run("pg_ctl", action, "-D", str(self.datadir), "-w", "-t", str(TIMEOUT), *options)

    def _run(self, binary: str, *args: str) -> None:
        command = [str(self.bindir / binary), *args]
        if self.owner:
            command = ["runuser", "-u", self.owner.pw_name, "--", *command]
        try:
            subprocess.run(
                command, check=True, capture_output=True, text=True,
                timeout=TIMEOUT + 10, stdin=subprocess.DEVNULL,
            )  # fmt: skip
        except subprocess.CalledProcessError as exc:
            raise ServerError(
                f"{binary} {args[0]} failed ({exc.returncode}): {exc.stdout}{exc.stderr}\n"
                + log_tail(self.logfile)
            ) from None
        except subprocess.TimeoutExpired:
            raise ServerError(f"{binary} {args[0]} hung\n" + log_tail(self.logfile)) from None

    def _chown(self, path: Path) -> None:
        if self.owner:
            os.chown(path, self.owner.pw_uid, self.owner.pw_gid)

    def _kill_postmaster(self) -> None:
        """Last resort when pg_ctl cannot stop it: SIGKILL the postmaster (its backends follow)."""
        try:
            pid = int((self.datadir / "postmaster.pid").read_text().split()[0])
            os.kill(pid, signal.SIGKILL)
        except (OSError, ValueError, IndexError):
            pass
