"""Who is calling: the `Authorization: Bearer` credential, and only that.

Two kinds of credential: a personal API token (`pdk_...`, core.api_tokens) or an access JWT
from POST /auth/login (webadmin.api.jwt_tokens). The session cookie of the web panel is never
read here, so a page on another site cannot make a signed-in browser call the API (which is
why the API needs no CSRF token). The role checks are the panels' (`is_staff`, admin), on the
user's current role and `active` flag, looked up on every request."""

from __future__ import annotations

import hashlib
import hmac
from enum import StrEnum

from flask import g, request

from core.api_tokens import due_for_stamp, find_active, looks_like_token, stamp_used
from core.db import unit_of_work
from core.models import Role, User, utcnow
from webadmin.api import jwt_tokens
from webadmin.api.errors import ApiError
from webadmin.auth import can_sign_in, password_fingerprint
from webadmin.db import get_runtime, get_session


class Access(StrEnum):
    PUBLIC = "public"
    USER = "user"
    STAFF = "staff"
    ADMIN = "admin"


CHALLENGE = {"WWW-Authenticate": 'Bearer realm="postdesk"'}


def _unauthorized(message: str) -> ApiError:
    return ApiError(401, message, headers=CHALLENGE)


def bearer_credential() -> str | None:
    scheme, _, credential = request.headers.get("Authorization", "").partition(" ")
    credential = credential.strip()
    return credential if scheme.lower() == "bearer" and credential else None


def credential_key() -> str:
    """What the per-token rate limit counts by: the credential's hash, else the client's address."""
    credential = bearer_credential()
    if credential is None:
        return f"ip:{request.remote_addr or 'unknown'}"
    return "token:" + hashlib.sha256(credential.encode()).hexdigest()[:32]


def _by_personal_token(secret: str) -> User:
    session = get_session()
    token = find_active(session, secret)
    if token is None or not token.user.active:
        raise _unauthorized("This API token is unknown, revoked, or its user is deactivated.")
    now = utcnow()
    if due_for_stamp(token, now):
        with unit_of_work(get_runtime().sessions) as writer:
            stamp_used(writer, token.id, now)
    return token.user


def _by_access_token(token: str) -> User:
    try:
        claims = jwt_tokens.read(get_runtime().settings.secret_key, jwt_tokens.Kind.ACCESS, token)
    except jwt_tokens.BadToken as error:
        raise _unauthorized(f"Bearer token refused: {error}.") from None
    return user_behind(claims)


def user_behind(claims: jwt_tokens.Claims) -> User:
    """The user a JWT names, if they may still sign in with the password the token was issued for."""
    user = get_session().get(User, claims.user_id)
    if user is None or not can_sign_in(user) or not hmac.compare_digest(password_fingerprint(user), claims.fingerprint):
        raise _unauthorized("Bearer token refused: the user's password or status changed; sign in again.")
    return user


def authorize(access: Access) -> User | None:
    """The caller, checked against `access`; ApiError 401 (no valid credential) or 403 (role)."""
    if access is Access.PUBLIC:
        return None
    credential = bearer_credential()
    if credential is None:
        raise _unauthorized("Send a token: `Authorization: Bearer <token>` (POST /api/v1/auth/login, or a personal API token).")
    user = _by_personal_token(credential) if looks_like_token(credential) else _by_access_token(credential)
    if access is Access.STAFF and not user.is_staff:
        raise ApiError(403, "Only staff may do this.")
    if access is Access.ADMIN and user.role is not Role.ADMIN:
        raise ApiError(403, "Only admins may do this.")
    g.api_user = user
    return user


def caller() -> User:
    """The authorized caller of this request (in the request's session)."""
    user: User = g.api_user
    return user
