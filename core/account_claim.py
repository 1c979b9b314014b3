"""Claiming a portal account: a mailed single-use link lets someone choose their password.

An employee who has only ever written mail exists as a user without a password; an admin-made
account starts the same way. Neither needs a password to get one: a link to
`/portal/claim/<token>` is mailed to the address, and whoever can read that mailbox sets it.

The token is the password-reset token (core.password_reset): signed, valid for an hour,
and spent by the password it sets (the hash it covers changes). Opening the link does not
spend it, so a mail scanner that follows links cannot use it up. An expired link's page
offers a fresh one, which is why an hour is enough even for an invitation read days later.
The mails go through the outbox (core.account_mail) and count towards the hourly limit of
automatic mail per address, so the public request form cannot flood anyone."""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.account_mail import enqueue_account_mail
from core.errors import InvalidInput
from core.models import OutboxMessage, User
from core.notify.identity import MailIdentity, identity_of
from core.password_reset import VALID_FOR, make_token

CLAIM_PATH = "/portal/claim"
"""Where the portal serves the claim page (webadmin.claim); core only builds links to it."""


def claim_url(identity: MailIdentity, user: User) -> str:
    return f"{identity.base_url}{CLAIM_PATH}/{make_token(identity.link_secret, user)}"


def _mail_link(session: Session, user: User, template: str) -> OutboxMessage | None:
    identity = identity_of(session)
    if identity is None or not identity.link_secret:
        return None
    minutes = int(VALID_FOR.total_seconds() // 60)
    return enqueue_account_mail(session, user, template, reset_url=claim_url(identity, user), valid_minutes=minutes)


def send_claim_link(session: Session, user: User) -> OutboxMessage | None:
    """The link someone asked for on the claim page; for a user who has a password already it
    sets a new one, like a password reset. None when the address may not be mailed now."""
    return _mail_link(session, user, "account_claim")


def invite_user(session: Session, user: User) -> OutboxMessage | None:
    """Write the invitation for an account an admin created; it has no password yet.
    None when the address may not be mailed now (inactive, suppressed, over the hourly limit)."""
    if user.password_hash:
        raise InvalidInput(f"{user.email} has a password already; send a password-reset link instead")
    return _mail_link(session, user, "account_invitation")
