"""The sender is (or is not) a user we knew before this mail: params `known` (bool)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.rules.facts import MailFacts


class KnownSender:
    name = "known_sender"
    description = "The sender is (or is not) a known user"
    fields = ("known",)

    def errors(self, params: Mapping[str, Any]) -> dict[str, str]:
        return {} if isinstance(params.get("known", True), bool) else {"known": "true or false"}

    def check(self, facts: MailFacts, params: Mapping[str, Any]) -> str | None:
        wanted = bool(params.get("known", True))
        if facts.sender_known == wanted:
            return "the sender is a known user" if wanted else "the sender is not a known user"
        return None


CONDITIONS = (KnownSender(),)
