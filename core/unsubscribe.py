"""Signed one-click opt-out links for non-essential notifications (RFC 8058 style).

A token names a user and a kind of mail and is signed with the installation's secret key,
so it needs no table and cannot be forged; it does not expire (an old mail's link works)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from enum import StrEnum

from sqlalchemy.orm import Session

from core.errors import InvalidInput
from core.models import User


class OptOut(StrEnum):
    STATUS = "status"
    ASSIGNMENT = "assignment"


TEMPLATE_OPT_OUTS: dict[str, OptOut] = {
    "status_waiting_on_customer": OptOut.STATUS,
    "status_resolved": OptOut.STATUS,
    "status_closed": OptOut.STATUS,
    "ticket_merged": OptOut.STATUS,
    "ticket_assigned": OptOut.ASSIGNMENT,
    "new_ticket_in_group": OptOut.ASSIGNMENT,
}
"""Which mails a recipient may turn off, and under which switch. A staff reply is never here."""


def _signature(secret: str, payload: str) -> str:
    digest = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest()[:18]
    return base64.urlsafe_b64encode(digest).decode()


def make_token(secret: str, user_id: int, kind: OptOut) -> str:
    payload = f"{user_id}.{kind.value}"
    return f"{payload}.{_signature(secret, payload)}"


def read_token(secret: str, token: str) -> tuple[int, OptOut]:
    user_id, _, rest = token.partition(".")
    kind, _, signature = rest.partition(".")
    payload = f"{user_id}.{kind}"
    if not (user_id.isdigit() and kind in {k.value for k in OptOut}) or not hmac.compare_digest(
        signature, _signature(secret, payload)
    ):
        raise InvalidInput("this unsubscribe link is not valid")
    return int(user_id), OptOut(kind)


def opt_out(session: Session, user: User, kind: OptOut) -> None:
    if kind is OptOut.STATUS:
        user.notify_status_changes = False
    else:
        user.notify_assignments = False
