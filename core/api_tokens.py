"""Personal API tokens: create (shown once), find by the bearer string, stamp, list, revoke.

A token is `pdk_` followed by 43 URL-safe characters (32 random bytes); the prefix tells a
personal token from a JWT at a glance, and lets secret scanners recognise a leaked one. Only
its sha256 is stored (core.models.api_tokens says why that suffices). A token acts as its
owner with the owner's current role: demoting someone demotes their tokens too, and a
deactivated user's tokens stop working (the API checks `user.active` on every request)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from core.errors import InvalidInput, NotFound
from core.models import ApiToken, User, utcnow

PREFIX = "pdk_"
NAME_MAX = 100
HINT_LENGTH = 10
STAMP_EVERY = timedelta(minutes=1)
"""`last_used_at` is written at most this often per token: a busy script should not turn every
read into a write."""


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A new token: the row, and the secret, which exists only in this value."""

    row: ApiToken
    secret: str


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def looks_like_token(bearer: str) -> bool:
    return bearer.startswith(PREFIX)


def clean_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned or len(cleaned) > NAME_MAX:
        raise InvalidInput(f"Give the token a name of 1 to {NAME_MAX} characters.")
    return cleaned


def create_token(session: Session, owner: User, name: str, *, created_by: User) -> IssuedToken:
    """A new token for `owner` (created by them, or by an admin for them)."""
    secret = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user=owner,
        name=clean_name(name),
        token_hash=token_hash(secret),
        hint=secret[:HINT_LENGTH],
        created_by=created_by,
    )
    session.add(row)
    session.flush()
    return IssuedToken(row, secret)


def find_active(session: Session, secret: str) -> ApiToken | None:
    """The unrevoked token with this secret, with its owner loaded; None for anything else."""
    query = (
        select(ApiToken)
        .where(ApiToken.token_hash == token_hash(secret), ApiToken.revoked_at.is_(None))
        .options(selectinload(ApiToken.user))
    )
    return session.scalar(query)


def due_for_stamp(token: ApiToken, now: datetime) -> bool:
    return token.last_used_at is None or now - token.last_used_at >= STAMP_EVERY


def stamp_used(session: Session, token_id: int, now: datetime) -> None:
    """Record that the token was used now (an UPDATE by id, so no row needs loading)."""
    session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))


def tokens_of(session: Session, owner: User) -> list[ApiToken]:
    """The owner's tokens, active ones first, newest first."""
    query = (
        select(ApiToken)
        .where(ApiToken.user_id == owner.id)
        .options(selectinload(ApiToken.created_by))
        .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id.desc())
    )
    return list(session.scalars(query))


def revoke(session: Session, owner: User, token_id: int) -> ApiToken:
    """Revoke one of `owner`'s tokens; NotFound for a token that is not theirs. Revoking twice
    keeps the first time."""
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != owner.id:
        raise NotFound(f"no token #{token_id}")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    return token
