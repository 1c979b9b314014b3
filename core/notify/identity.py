"""Who we are on the wire: support address, Message-ID domain, loop marker, throttle."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

LOOP_HEADER = "X-Postdesk-Loop"
TICKET_HEADER = "X-Postdesk-Ticket"
SESSION_KEY = "postdesk_mail_identity"


@dataclass(frozen=True, slots=True)
class MailIdentity:
    support_address: str
    mail_domain: str
    instance_id: str
    support_name: str = "IT Helpdesk"
    autoreply_limit: int = 10
    base_url: str = "http://127.0.0.1:8000"
    link_secret: str = field(default="", repr=False)
    """Signs unsubscribe links; empty means mails carry none."""

    def new_message_id(self, ticket_id: int | None) -> str:
        prefix = f"postdesk.{ticket_id}" if ticket_id else "postdesk"
        return f"{prefix}.{uuid.uuid4().hex}@{self.mail_domain}"


def identity_of(session: Session) -> MailIdentity | None:
    """The identity the session factory carries (core.runtime puts it there).

    A session without one (a bare engine in a script) writes no notifications."""
    identity = session.info.get(SESSION_KEY)
    return identity if isinstance(identity, MailIdentity) else None
