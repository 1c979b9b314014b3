"""The write half of a form: the unit of work of a POST (`writing`), and `action`, which turns
the service's refusal into a message on the next page.

    with action("Group added.") as session:
        add_under(session, None, request.form["name"])
    return redirect(url_for(".catalog"))

The per-request session (webadmin.db) is for reading: it begins deferred, which on SQLite
cannot safely turn into a write. A form's write gets a unit of work of its own (which takes
the write lock at BEGIN) and commits before the redirect."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import abort, flash
from sqlalchemy.orm import Session

from core.db import unit_of_work
from core.errors import DomainError
from core.models import User
from webadmin.auth import signed_in_user
from webadmin.db import get_runtime


@contextmanager
def writing() -> Iterator[tuple[Session, User]]:
    """A unit of work for a POST that changes something, with the signed-in user loaded in it.

    Its own session, not the request's: the request's session began (deferred, read-only on
    SQLite) when Flask-Login loaded the user, and a write needs the write lock from BEGIN on
    (core.db.WRITE_INTENT). Commits at the end of the block; any exception rolls everything back."""
    with unit_of_work(get_runtime().sessions) as session:
        me = session.get(User, signed_in_user().id)
        if me is None:
            abort(403)
        yield session, me


@contextmanager
def action(success: str) -> Iterator[Session]:
    """`writing()` for a settings form: a DomainError (the service refusing bad input) rolls
    back and is flashed as the error; success is flashed. Anything else propagates."""
    try:
        with writing() as (session, _me):
            yield session
    except DomainError as error:
        flash(str(error), "error")
    else:
        flash(success, "success")
