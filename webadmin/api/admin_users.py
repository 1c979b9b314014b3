"""The admins' user routes: list, add, read and change people, with the panel's rules
(core.users): addresses are unique (409), the last active admin can be neither demoted nor
deactivated (422), and nobody's password is ever set or seen here."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.models import User
from core.users import add_user, update_user, user_list_filters
from webadmin.api import shapes
from webadmin.api.bearer import Access
from webadmin.api.blueprint import api
from webadmin.api.errors import ApiError
from webadmin.api.schemas.users import (
    NewUser,
    UserChange,
    UserOut,
    UserPage,
    UsersQuery,
)
from webadmin.api.session import writing
from webadmin.db import get_session

TAG = "Admin: users"


@api.operation("GET", "/admin/users", tag=TAG, access=Access.ADMIN, query=UsersQuery, response=UserPage)
def list_users(query: UsersQuery) -> UserPage:
    """People by address, filtered by role or a part of address, name or department; `after` pages."""
    filters = user_list_filters(query.role.value if query.role else "", query.q.strip(), query.after.strip().lower())
    found = (
        select(User).where(*filters).options(selectinload(User.groups)).order_by(User.email).limit(query.limit + 1)
    )
    rows = list(get_session().scalars(found))
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    return UserPage(users=[shapes.user(row) for row in rows], next_after=rows[-1].email if more else None)


@api.operation("POST", "/admin/users", tag=TAG, access=Access.ADMIN, body=NewUser, response=UserOut, status=201, errors={409})
def add_person(body: NewUser) -> UserOut:
    """Add a person (no password: they set one through a mailed link from the panel)."""
    with writing() as (session, _me):
        person = add_user(session, body.email, role=body.role, name=body.name, department=body.department)
        return shapes.user(person)


def _person(user_id: int) -> User:
    person = get_session().get(User, user_id, options=[selectinload(User.groups)])
    if person is None:
        raise ApiError(404, f"No user #{user_id}.")
    return person


@api.operation("GET", "/admin/users/{user_id}", tag=TAG, access=Access.ADMIN, response=UserOut)
def person(user_id: int) -> UserOut:
    """One person."""
    return shapes.user(_person(user_id))


@api.operation("PUT", "/admin/users/{user_id}", tag=TAG, access=Access.ADMIN, body=UserChange, response=UserOut)
def change_person(user_id: int, body: UserChange) -> UserOut:
    """Change name, role, department, `active` or `undeliverable`; fields left out stay."""
    with writing() as (session, _me):
        person = session.get(User, user_id)
        if person is None:
            raise ApiError(404, f"No user #{user_id}.")
        update_user(
            session, person,
            name=person.name if body.name is None else body.name,
            role=person.role if body.role is None else body.role,
            department=person.department if body.department is None else body.department,
            active=person.active if body.active is None else body.active,
            undeliverable=person.undeliverable if body.undeliverable is None else body.undeliverable,
        )  # fmt: skip
        return shapes.user(person)
