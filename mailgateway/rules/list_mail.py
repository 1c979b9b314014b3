"""Mailing-list mail (RFC 2369/2919 List-* headers and list-manager headers).

A hit changes no kind: a person posting to a list the helpdesk reads may still
open a ticket. It only stops our auto-answer, which would go to the whole list.
"""

from __future__ import annotations

from email.message import Message
from typing import TYPE_CHECKING

from mailgateway.rules import MailKind
from mailgateway.rules._headers import header

if TYPE_CHECKING:
    from mailgateway.classify import ClassifyContext

LIST_HEADERS = (
    "List-Id",
    "List-Post",
    "List-Unsubscribe",
    "List-Subscribe",
    "List-Help",
    "List-Owner",
    "List-Archive",
    "Mailing-List",  # ezmlm, Google Groups
    "X-Mailman-Version",
    "X-Mailing-List",
    "X-List",
    "X-ML-Name",  # fml
)


class ListMail:
    name = "list_mail"
    description = "Mailing-list headers (List-Id, List-Unsubscribe, Mailing-List, X-Mailman-Version...)."
    kind = MailKind.NORMAL

    def check(self, message: Message, context: ClassifyContext) -> str | None:
        for name in LIST_HEADERS:
            value = header(message, name)
            if value:
                return f"mailing-list header {name}: {value[:80]}"
        return None
