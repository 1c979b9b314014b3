"""People, as admins manage them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from core.models import Role
from webadmin.api.schemas.common import NO_NUL, Email, Query, Reply, RequestBody

Line = Annotated[str, StringConstraints(max_length=200), NO_NUL]


class UserOut(Reply):
    id: int
    email: str
    name: str
    role: Role
    department: str
    active: bool
    undeliverable: bool
    has_password: bool
    groups: list[str]
    created_at: datetime


class UserPage(Reply):
    users: list[UserOut]
    next_after: str | None = Field(description="Pass as `after` for the next page; null on the last.")


class UsersQuery(Query):
    role: Role | None = None
    q: Line = Field("", description="A part of the address, name or department.")
    after: Annotated[str, StringConstraints(max_length=320), NO_NUL] = Field(
        "", description="The last address of the previous page."
    )
    limit: int = Field(100, ge=1, le=500)


class NewUser(RequestBody):
    """No password: the person sets one through a mailed link (as in the panel)."""

    email: Email
    role: Role = Role.CLIENT
    name: Line = ""
    department: Line = ""


class UserChange(RequestBody):
    """Fields left out stay as they are. The last active admin cannot be demoted or deactivated."""

    name: Line | None = None
    role: Role | None = None
    department: Line | None = None
    active: bool | None = None
    undeliverable: bool | None = None
