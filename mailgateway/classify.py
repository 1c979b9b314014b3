"""Classify an inbound mail: bounce, auto-reply, our own mail (a loop) or normal.

One short loop runs the rules of :data:`mailgateway.rules.CLASSIFY_RULES` in
table order and records every hit; the verdict's kind is the highest-ranked
kind among the hits (loop > bounce > auto-reply > normal). Pure code: no
database, no sockets, and it never raises for a parsed message.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from email.message import Message

from mailgateway.rules import CLASSIFY_RULES, MailKind
from mailgateway.rules.bounce import BounceReason

__all__ = ["ClassifyContext", "MailKind", "RuleHit", "Verdict", "classify"]

log = logging.getLogger(__name__)

# Highest first: a bounce of our own mail is a loop, a bounce that says
# "Auto-Submitted: auto-replied" (Exim does) is still a bounce.
KIND_PRECEDENCE: tuple[MailKind, ...] = (
    MailKind.LOOP,
    MailKind.BOUNCE,
    MailKind.AUTO_REPLY,
    MailKind.NORMAL,
)


@dataclass(frozen=True, slots=True)
class ClassifyContext:
    """Who we are, as far as classification needs to know."""

    mail_domain: str  # e.g. "helpdesk.example.com"
    support_addresses: frozenset[str]  # lower-case
    instance_id: str  # the value we put in our X-Postdesk-Loop header


@dataclass(frozen=True, slots=True)
class RuleHit:
    """One rule that matched, and why."""

    rule: str
    reason: str


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome of classification, with every rule hit that led to it."""

    kind: MailKind
    hits: tuple[RuleHit, ...]  # every rule that matched, in table order
    suppress_auto_answer: bool  # True for any kind but NORMAL, and for list mail
    bounced_recipients: tuple[str, ...]
    permanent_bounce: bool

    @property
    def reason(self) -> str:
        """All hit reasons, joined; "" when no rule matched."""
        return "; ".join(hit.reason for hit in self.hits)


def classify(message: Message, context: ClassifyContext) -> Verdict:
    """Run every rule of the table over ``message`` and return the verdict. Never raises."""
    hits: list[RuleHit] = []
    kinds: set[MailKind] = set()
    bounce: BounceReason | None = None
    for rule in CLASSIFY_RULES:
        try:
            reason = rule.check(message, context)
        except Exception:  # a rule bug must not lose the mail: count it as a miss
            log.exception("classify rule %r failed; treated as no match", rule.name)
            continue
        if reason is None:
            continue
        hits.append(RuleHit(rule.name, str(reason)))
        kinds.add(rule.kind)
        if isinstance(reason, BounceReason) and bounce is None:
            bounce = reason
    kind = next((k for k in KIND_PRECEDENCE if k in kinds), MailKind.NORMAL)
    is_bounce = kind is MailKind.BOUNCE and bounce is not None
    return Verdict(
        kind=kind,
        hits=tuple(hits),
        # Every rule hit is a reason not to answer: the kinds, and list mail (kind NORMAL).
        suppress_auto_answer=bool(hits),
        bounced_recipients=bounce.recipients if is_bounce else (),
        permanent_bounce=bounce.permanent if is_bounce else False,
    )
