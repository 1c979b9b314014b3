"""Password-reset links that need no table: a signed token over (user id, issue time, password).

The token is `USER.ISSUED.SIGNATURE`, where the HMAC (keyed with the installation's secret)
covers the user id, the issue time and a fingerprint of the user's *current* password hash.
So a link:
- cannot be forged or pointed at another user (the signature),
- expires `VALID_FOR` after it was issued (the time it carries, which it cannot change),
- works once: setting the password changes the hash, which breaks every link issued before,
  including the one just used. A new hash gets a fresh argon2 salt, so even choosing the
  same password again ends the old links.
A user without a password (a mail-only employee, a new account) may use a link to set a first
one: their fingerprint is that of the empty hash, until they have one."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from core.errors import InvalidInput
from core.models import User, utcnow
from core.passwords import hash_password

VALID_FOR = timedelta(hours=1)
MIN_LENGTH = 10
MAX_LENGTH = 1024
_PURPOSE = "postdesk-password-reset"
"""Part of the signed text, so no other signed token of ours (an unsubscribe link) can pass for one."""

INVALID = "This password-reset link is not valid, was already used, or has expired. Ask for a new one."


def _signature(secret: str, user_id: int, issued: int, password_hash: str | None) -> str:
    fingerprint = hashlib.sha256((password_hash or "").encode()).hexdigest()
    payload = f"{_PURPOSE}.{user_id}.{issued}.{fingerprint}"
    digest = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest()[:24]
    return base64.urlsafe_b64encode(digest).decode()


def make_token(secret: str, user: User, issued_at: datetime | None = None) -> str:
    issued = int((issued_at or utcnow()).timestamp())
    return f"{user.id}.{issued}.{_signature(secret, user.id, issued, user.password_hash)}"


def read_token(session: Session, secret: str, token: str, now: datetime | None = None) -> User:
    """The active user this token was issued to, if it is genuine, unused and not expired;
    else InvalidInput with one message for every reason (a prober learns nothing)."""
    user_id, _, rest = token.partition(".")
    issued, _, signature = rest.partition(".")
    if not (user_id.isdigit() and issued.isdigit() and signature):
        raise InvalidInput(INVALID)
    age = (now or utcnow()).timestamp() - int(issued)
    user = session.get(User, int(user_id))
    if user is None or not user.active or not 0 <= age <= VALID_FOR.total_seconds():
        raise InvalidInput(INVALID)
    expected = _signature(secret, user.id, int(issued), user.password_hash)
    if not hmac.compare_digest(signature, expected):
        raise InvalidInput(INVALID)
    return user


def check_new_password(password: str, repeated: str) -> None:
    if password != repeated:
        raise InvalidInput("The two passwords are not the same.")
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise InvalidInput(f"Choose a password of at least {MIN_LENGTH} characters.")


def set_password(user: User, password: str) -> None:
    """Store the new hash: this also ends the user's web sessions and every reset link."""
    user.password_hash = hash_password(password)
