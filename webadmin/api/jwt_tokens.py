"""Short-lived access tokens and longer refresh tokens: JWTs signed with HS256.

The key is derived from the app's secret (HMAC with a purpose label), so a JWT can never be
mistaken for a signed session cookie or unsubscribe link and vice versa. Both kinds carry the
fingerprint of the user's password hash, as the web session does (webadmin.auth): changing a
password or deactivating a user ends every token pair they had, without a table of tokens.
PyJWT checks the signature, the algorithm (only HS256: never `none`), `exp` and the issuer;
we check the kind, so a refresh token is no access token and the other way round."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import jwt

ACCESS_TTL = timedelta(minutes=15)
REFRESH_TTL = timedelta(days=14)
ISSUER = "postdesk"
ALGORITHM = "HS256"


class Kind(StrEnum):
    ACCESS = "access"
    REFRESH = "refresh"


TTL = {Kind.ACCESS: ACCESS_TTL, Kind.REFRESH: REFRESH_TTL}


class BadToken(Exception):
    """Not a valid token of the expected kind: forged, expired, malformed."""


@dataclass(frozen=True, slots=True)
class Claims:
    user_id: int
    fingerprint: str


def signing_key(secret: str) -> bytes:
    return hmac.new(secret.encode(), b"postdesk api jwt", hashlib.sha256).digest()


def issue(secret: str, kind: Kind, user_id: int, fingerprint: str, now: datetime) -> str:
    claims = {"iss": ISSUER, "sub": str(user_id), "typ": kind.value, "fp": fingerprint, "iat": now, "exp": now + TTL[kind]}
    return jwt.encode(claims, signing_key(secret), algorithm=ALGORITHM)


def read(secret: str, kind: Kind, token: str) -> Claims:
    """The claims of a valid, unexpired token of `kind`; BadToken otherwise."""
    try:
        claims = jwt.decode(
            token, signing_key(secret), algorithms=[ALGORITHM], issuer=ISSUER,
            options={"require": ["exp", "iat", "iss", "sub", "typ", "fp"]},
        )  # fmt: skip
    except jwt.ExpiredSignatureError:
        raise BadToken("the token has expired") from None
    except jwt.InvalidTokenError:
        raise BadToken("the token is not valid") from None
    subject = str(claims["sub"])
    if claims["typ"] != kind.value or not subject.isdigit() or not isinstance(claims["fp"], str):
        raise BadToken(f"not an {kind.value} token" if kind is Kind.ACCESS else f"not a {kind.value} token")
    return Claims(int(subject), claims["fp"])
