"""Conditions on one text fact of the mail, all through the shared matcher (core.rules.matching)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from core.rules.facts import MailFacts
from core.rules.matching import MATCHER_FIELDS, describe, matcher_errors, matches


@dataclass(frozen=True)
class TextCondition:
    name: str
    description: str
    read: Callable[[MailFacts], Iterable[str]]
    fields: tuple[str, ...] = MATCHER_FIELDS

    def errors(self, params: Mapping[str, Any]) -> dict[str, str]:
        return matcher_errors(params)

    def check(self, facts: MailFacts, params: Mapping[str, Any]) -> str | None:
        for text in self.read(facts):
            if matches(text, params):
                return f"{self.name} {describe(params)}: {text[:80]!r}"
        return None


CONDITIONS = (
    TextCondition("sender_address", "The sender's address", lambda f: [f.sender]),
    TextCondition("sender_domain", "The domain of the sender's address", lambda f: [f.sender_domain]),
    TextCondition("recipient", "Any recipient: To, Cc or the envelope (e.g. hr-help@...)", lambda f: f.recipients),
    TextCondition("subject", "The subject", lambda f: [f.subject]),
    TextCondition("body", "The text of the mail", lambda f: [f.body]),
    TextCondition("sender_department", "The department of a known sender", lambda f: [f.sender_department]),
)
