"""A header equals / contains / matches: params `header` (its name) plus the matcher's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.rules.facts import MailFacts
from core.rules.matching import MATCHER_FIELDS, describe, matcher_errors, matches


class HeaderCondition:
    name = "header"
    description = "A header of the mail (e.g. X-Priority, List-Id)"
    fields = ("header", *MATCHER_FIELDS)

    def errors(self, params: Mapping[str, Any]) -> dict[str, str]:
        header = params.get("header")
        problems = {} if isinstance(header, str) and header.strip() else {"header": "name the header"}
        return {**problems, **matcher_errors(params)}

    def check(self, facts: MailFacts, params: Mapping[str, Any]) -> str | None:
        name = str(params.get("header", "")).strip().lower()
        for value in facts.headers.get(name, ()):
            if matches(value, params):
                return f"header {name} {describe(params)}"
        return None


CONDITIONS = (HeaderCondition(),)
