"""Our own mail came back to us: a mail loop.

Only the *top-level* headers of the incoming mail count. A person who forwards
one of our notifications writes a new mail: our headers then sit inside an
attached message/rfc822 part or in quoted text, and our Message-ID appears in
In-Reply-To/References at most, none of which this rule reads. What it reads:

- ``X-Postdesk-Loop`` or ``X-Postdesk-Ticket`` naming our instance;
- a Message-ID in our mail domain *and* some ``X-Postdesk-*`` header. The
  Message-ID alone is not enough: the mail domain may be the company's own
  domain, whose mail servers mint Message-IDs there for every employee;
- From one of our support addresses *and* Auto-Submitted set (not "no"): an
  automatic mail sent as us, such as a forwarding rule echoing our notification.
"""

from __future__ import annotations

import re
from email.message import Message
from typing import TYPE_CHECKING

from mailgateway.rules import MailKind
from mailgateway.rules._headers import address, first_token, header, header_names

if TYPE_CHECKING:
    from mailgateway.classify import ClassifyContext

OUR_HEADERS = ("X-Postdesk-Loop", "X-Postdesk-Ticket")
OUR_PREFIX = "x-postdesk-"


def names_instance(value: str, instance_id: str) -> bool:
    """True when ``instance_id`` appears in ``value`` as a whole word (dots and dashes included)."""
    if not instance_id.strip():
        return False
    pattern = rf"(?<![\w.-]){re.escape(instance_id.strip())}(?![\w.-])"
    return re.search(pattern, value, re.IGNORECASE) is not None


def message_id_domain(message: Message) -> str:
    """The domain of the mail's own Message-ID, lower-case; "" if there is none."""
    value = header(message, "Message-ID").strip().strip("<>").strip()
    _, at, domain = value.rpartition("@")
    return domain.strip().rstrip(">").lower() if at else ""


class OurOwnMail:
    name = "our_own_mail"
    description = "The mail carries our own loop headers, Message-ID or automatic sender: a loop."
    kind = MailKind.LOOP

    def check(self, message: Message, context: ClassifyContext) -> str | None:
        for name in OUR_HEADERS:
            value = header(message, name)
            if value and names_instance(value, context.instance_id):
                return f"{name}: {value} names this instance"
        ours = [n for n in header_names(message) if n.lower().startswith(OUR_PREFIX)]
        domain = message_id_domain(message)
        mail_domain = context.mail_domain.strip().lower()
        if ours and mail_domain and domain == mail_domain:
            return f"Message-ID in our domain {domain} with our {ours[0]} header"
        _, sender = address(message, "From")
        auto = first_token(header(message, "Auto-Submitted"))
        if sender and sender in context.support_addresses and auto and auto != "no":
            return f"From our support address {sender} with Auto-Submitted: {auto}"
        return None
