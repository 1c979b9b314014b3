"""Signing in to the API: a password for a token pair, a refresh token for a new pair, and `/me`.

The password check and its throttle are the web login's (webadmin.auth.authenticate,
webadmin.throttle): the same argon2 verification (an unknown address costs as much as a known
one), the same failures counted in the database, the same lockout, here answered with 429 and
`Retry-After`. Refreshing rotates: each refresh returns a new pair (the old refresh token keeps
working until it expires; changing the password ends them all)."""

from __future__ import annotations

from core.models import User, utcnow
from webadmin import throttle
from webadmin.api import jwt_tokens
from webadmin.api.bearer import Access, caller, user_behind
from webadmin.api.blueprint import api
from webadmin.api.errors import ApiError
from webadmin.api.schemas.auth import LoginRequest, Me, RefreshRequest, TokenPair
from webadmin.auth import WRONG_CREDENTIALS, authenticate, password_fingerprint
from webadmin.db import get_runtime, get_session


def token_pair(user: User) -> TokenPair:
    secret, now, fingerprint = get_runtime().settings.secret_key, utcnow(), password_fingerprint(user)
    return TokenPair(
        access_token=jwt_tokens.issue(secret, jwt_tokens.Kind.ACCESS, user.id, fingerprint, now),
        refresh_token=jwt_tokens.issue(secret, jwt_tokens.Kind.REFRESH, user.id, fingerprint, now),
        expires_in=int(jwt_tokens.ACCESS_TTL.total_seconds()),
        refresh_expires_in=int(jwt_tokens.REFRESH_TTL.total_seconds()),
    )


@api.operation("POST", "/auth/login", tag="Auth", access=Access.PUBLIC, body=LoginRequest, response=TokenPair, errors={401})
def login(body: LoginRequest) -> TokenPair:
    """Sign in with email and password for an access token (15 minutes) and a refresh token (14 days).

    Throttled like the web login: after 5 failures for an address or 20 from an IP in 15
    minutes, sign-in answers 429 with `Retry-After` until the window has passed."""
    lock = throttle.current_lockout(body.email)
    if lock is not None:
        seconds = lock.retry_after(utcnow())
        raise ApiError(429, f"Sign-in is paused: {lock.reason}.", headers={"Retry-After": str(seconds)})
    user = authenticate(get_session(), body.email, body.password)
    if user is None:
        throttle.failed(body.email)
        raise ApiError(401, WRONG_CREDENTIALS)
    throttle.succeeded(body.email)
    return token_pair(user)


@api.operation("POST", "/auth/refresh", tag="Auth", access=Access.PUBLIC, body=RefreshRequest, response=TokenPair, errors={401})
def refresh(body: RefreshRequest) -> TokenPair:
    """Trade a refresh token for a new token pair."""
    try:
        claims = jwt_tokens.read(get_runtime().settings.secret_key, jwt_tokens.Kind.REFRESH, body.refresh_token)
    except jwt_tokens.BadToken as error:
        raise ApiError(401, f"Refresh token refused: {error}.") from None
    return token_pair(user_behind(claims))


@api.operation("GET", "/me", tag="Auth", access=Access.USER, response=Me)
def me() -> Me:
    """Who the bearer is."""
    user = caller()
    return Me(id=user.id, email=user.email, name=user.name, role=user.role, department=user.department)
