"""Signing in to the API and who the bearer is."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from core.models import Role
from webadmin.api.schemas.common import NO_NUL, Email, Reply, RequestBody

Secret = Annotated[str, StringConstraints(min_length=1, max_length=4096), NO_NUL]


class LoginRequest(RequestBody):
    email: Email
    password: Annotated[str, StringConstraints(min_length=1, max_length=1024), NO_NUL]


class RefreshRequest(RequestBody):
    refresh_token: Secret


class TokenPair(Reply):
    access_token: str = Field(description="Send as `Authorization: Bearer ...`; valid for `expires_in` seconds.")
    refresh_token: str = Field(description="Trade for a new pair at POST /auth/refresh before it expires.")
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int
    refresh_expires_in: int


class Me(Reply):
    id: int
    email: str
    name: str
    role: Role
    department: str
