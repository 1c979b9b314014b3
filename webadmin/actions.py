"""The write half of a form: one unit of work whose refusal becomes a message on the next page.

    with action("Group added.") as session:
        add_under(session, None, request.form["name"])
    return redirect(url_for(".catalog"))

The per-request session (webadmin.db) is for reading: it begins deferred, which on SQLite
cannot safely turn into a write. A form's write gets a unit of work of its own (which takes
the write lock at BEGIN) and commits before the redirect. A DomainError (the service refusing
bad input) rolls it back and is flashed; anything else propagates as usual."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import flash
from sqlalchemy.orm import Session

from core.db import unit_of_work
from core.errors import DomainError
from webadmin.db import get_runtime


@contextmanager
def action(success: str) -> Iterator[Session]:
    try:
        with unit_of_work(get_runtime().sessions) as session:
            yield session
    except DomainError as error:
        flash(str(error), "error")
    else:
        flash(success, "success")
