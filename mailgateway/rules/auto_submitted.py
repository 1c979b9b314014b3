"""RFC 3834 ``Auto-Submitted``: any value but "no" marks machine-sent mail.

"auto-replied" (vacation and out-of-office responders), "auto-generated"
(notifications, cron mail) and "auto-notified" (RFC 5436 Sieve notifications)
all hit; so does any unknown keyword, as RFC 3834 section 5 says it should.
"""

from __future__ import annotations

from email.message import Message
from typing import TYPE_CHECKING

from mailgateway.rules import MailKind
from mailgateway.rules._headers import first_token, header

if TYPE_CHECKING:
    from mailgateway.classify import ClassifyContext


class AutoSubmittedHeader:
    name = "auto_submitted_header"
    description = "RFC 3834 Auto-Submitted header with a value other than 'no'."
    kind = MailKind.AUTO_REPLY

    def check(self, message: Message, context: ClassifyContext) -> str | None:
        value = header(message, "Auto-Submitted")
        keyword = first_token(value)
        if keyword and keyword != "no":
            return f"Auto-Submitted: {value}"
        return None
