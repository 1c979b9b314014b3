"""Engines and sessions. The edge (a web request, one inbound message, one job) owns a session;
services receive it and never build engines or sessions themselves."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker


class DatabaseUnavailable(Exception):
    """The database cannot be reached now; the caller should answer 'try again later'."""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets the web read while the gateway writes; busy_timeout makes writers queue, not fail;
    synchronous=FULL because we acknowledge mail after the commit: it must survive a power cut."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


WRITE_INTENT = "postdesk_write"
"""Execution option a writing unit of work sets: on SQLite it takes the write lock at BEGIN."""


def _sqlite_begin(connection: Any) -> None:
    """Writers take the lock at BEGIN (IMMEDIATE), so two of them queue on busy_timeout instead
    of failing when a read lock cannot be upgraded; readers (web pages) begin deferred and
    never block the mail gateway."""
    immediate = connection.get_execution_options().get(WRITE_INTENT, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str, **options: Any) -> Engine:
    """One engine per process, from the configured URL."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": 30, "isolation_level": None}, **options)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    options.setdefault("pool_pre_ping", True)
    options.setdefault("connect_args", {"connect_timeout": 5})
    return create_engine(url, **options)


def session_factory(engine: Engine, info: dict[str, Any] | None = None) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, info=info or {})


def is_unavailable(error: BaseException) -> bool:
    """True when the error means 'the database is not there now', as opposed to a bug or bad data."""
    if isinstance(error, DatabaseUnavailable):
        return True
    if isinstance(error, OperationalError):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A writing session whose transaction commits at the end of the block, or rolls back on error."""
    with factory() as session, session.begin():
        session.connection(execution_options={WRITE_INTENT: True})
        yield session


def check_connection(engine: Engine) -> None:
    """Raise DatabaseUnavailable with one readable line if the database cannot be reached."""
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    except DBAPIError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else type(error).__name__
        raise DatabaseUnavailable(f"cannot reach the database {engine.url.render_as_string(hide_password=True)}: {reason}") from None
