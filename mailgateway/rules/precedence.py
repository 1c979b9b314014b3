"""``Precedence`` (and ``X-Precedence``): bulk, junk, list or auto_reply.

Responders (Gmail's vacation responder, Zimbra) send "Precedence: bulk" or
"auto_reply"; newsletters "bulk"; old mailers "junk". But list managers put
"Precedence: list" or "bulk" (Mailman 2, ezmlm) on every post: a mail that
also names its list (List-Id, List-Post, Mailing-List) is a person posting to
a list the helpdesk reads, left to the list_mail rule so that the post can
still open a ticket. Without a list header "list" and "bulk" count, as in
Zammad and Discourse. A newsletter that sends List-Id is thus list mail, not
an auto-reply: no answer goes out either way.
"""

from __future__ import annotations

from email.message import Message
from typing import TYPE_CHECKING

from mailgateway.rules import MailKind
from mailgateway.rules._headers import first_token, header

if TYPE_CHECKING:
    from mailgateway.classify import ClassifyContext

AUTOMATIC = frozenset({"bulk", "junk", "list", "auto_reply", "auto-reply"})
LIST_IDENTITY = ("List-Id", "List-Post", "Mailing-List")


class PrecedenceHeader:
    name = "precedence_header"
    description = "Precedence: bulk, junk, list or auto_reply (a post to a named list excepted)."
    kind = MailKind.AUTO_REPLY

    def check(self, message: Message, context: ClassifyContext) -> str | None:
        for name in ("Precedence", "X-Precedence"):
            value = first_token(header(message, name))
            if value not in AUTOMATIC:
                continue
            if value in ("list", "bulk") and any(header(message, h) for h in LIST_IDENTITY):
                continue
            return f"{name}: {value}"
        return None
