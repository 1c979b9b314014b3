"""The writing unit of work of an API request, with the caller loaded in it.

The request's own session (webadmin.db) reads; a write gets a unit of work of its own that
takes the write lock at BEGIN on SQLite (core.db.WRITE_INTENT), as the panel's POSTs do
(webadmin.staff.common.writing). It commits at the end of the block; an exception (a
DomainError included) rolls everything back and becomes the error answer."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from core.db import unit_of_work
from core.models import User
from webadmin.api.bearer import caller
from webadmin.api.errors import ApiError
from webadmin.db import get_runtime


@contextmanager
def writing() -> Iterator[tuple[Session, User]]:
    with unit_of_work(get_runtime().sessions) as session:
        me = session.get(User, caller().id)
        if me is None:
            raise ApiError(401, "Your user no longer exists.")
        yield session, me
