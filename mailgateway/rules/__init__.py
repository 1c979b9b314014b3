"""Intake classification rules: what kind of mail is this?

Each rule is a small object in its own module, after GNU Mailman 3's rules
(``src/mailman/rules/``, contract in ``interfaces/rules.py``): a ``name``, a
one-line ``description``, the ``kind`` of mail a hit implies, and
``check(message, context)`` returning the *reason* it matched (a short sentence
naming the header or value) or None. Rules decide; they never act, and never
raise (headers are read through :mod:`mailgateway.rules._headers`).

``CLASSIFY_RULES`` is the table :func:`mailgateway.classify.classify` runs, in
order. Every rule runs, so a verdict can always be explained; the kind is then
chosen by precedence (loop > bounce > auto-reply > normal), not by table order.
"""

from __future__ import annotations

from email.message import Message
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from mailgateway.classify import ClassifyContext


class MailKind(StrEnum):
    """What an inbound mail is, as far as the intake pipeline cares."""

    NORMAL = "normal"
    BOUNCE = "bounce"
    AUTO_REPLY = "auto_reply"
    LOOP = "loop"


class Rule(Protocol):
    """One named classification check."""

    name: str
    description: str
    kind: MailKind  # NORMAL: the hit changes no kind, it only suppresses our auto-answer

    def check(self, message: Message, context: ClassifyContext) -> str | None:
        """The reason this rule matched, or None."""
        ...


# The rule modules import MailKind from this package, so the table comes after it.
from mailgateway.rules.auto_submitted import AutoSubmittedHeader  # noqa: E402
from mailgateway.rules.autoreply_headers import AutoreplyHeaders  # noqa: E402
from mailgateway.rules.bounce import Bounce  # noqa: E402
from mailgateway.rules.list_mail import ListMail  # noqa: E402
from mailgateway.rules.ooo_subject import OutOfOfficeSubject  # noqa: E402
from mailgateway.rules.our_own_mail import OurOwnMail  # noqa: E402
from mailgateway.rules.precedence import PrecedenceHeader  # noqa: E402

CLASSIFY_RULES: tuple[Rule, ...] = (
    OurOwnMail(),
    Bounce(),
    AutoSubmittedHeader(),
    PrecedenceHeader(),
    AutoreplyHeaders(),
    OutOfOfficeSubject(),
    ListMail(),
)

__all__ = ["CLASSIFY_RULES", "MailKind", "Rule"]
