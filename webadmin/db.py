"""One SQLAlchemy session per request (flaskr's `db.py`, with a session instead of a connection).

The request is the edge that owns the session: it is opened on first use from
`runtime.sessions`, kept on `flask.g`, and closed in teardown, which rolls back whatever
the view did not commit."""

from __future__ import annotations

from typing import Any, TypeVar

from flask import Flask, abort, current_app, g
from sqlalchemy.orm import Session

from core.runtime import Runtime

RUNTIME_KEY = "postdesk.runtime"
Row = TypeVar("Row")


def init_app(app: Flask, runtime: Runtime) -> None:
    app.extensions[RUNTIME_KEY] = runtime
    app.teardown_appcontext(close_session)


def get_runtime() -> Runtime:
    runtime: Runtime = current_app.extensions[RUNTIME_KEY]
    return runtime


def get_session() -> Session:
    if "db_session" not in g:
        g.db_session = get_runtime().sessions()
    session: Session = g.db_session
    return session


def close_session(_error: BaseException | None = None) -> None:
    session: Session | None = g.pop("db_session", None)
    if session is not None:
        session.close()


def get_or_404(session: Session, model: type[Row], key: int, **options: Any) -> Row:
    """The row of `model` with primary key `key` (`options` as for Session.get), or a 404."""
    found = session.get(model, key, **options)
    if found is None:
        abort(404)
    return found
