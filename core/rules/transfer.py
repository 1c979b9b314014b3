"""Rules as YAML or JSON, to review them and keep them in version control."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

import yaml

from core.errors import InvalidInput
from core.rules.spec import ActionSpec, ConditionSpec, MatchMode, RuleSpec
from core.rules.validation import rule_errors


class RulesInvalid(InvalidInput):
    """An import that cannot be taken; `problems` lists each one, for the editor to show."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def to_document(rules: Sequence[RuleSpec]) -> list[dict[str, Any]]:
    return [{**asdict(rule), "match": rule.match.value} for rule in rules]


def dump(rules: Sequence[RuleSpec], fmt: str) -> str:
    document = {"rules": to_document(rules)}
    if fmt == "json":
        return json.dumps(document, indent=2, ensure_ascii=False)
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


def rule_from_document(item: Any, position: int) -> RuleSpec:
    if not isinstance(item, dict):
        raise InvalidInput(f"rule {position}: expected a mapping")
    try:
        return RuleSpec(
            name=str(item["name"]),
            match=MatchMode(item.get("match", "all")),
            enabled=bool(item.get("enabled", True)),
            stop=bool(item.get("stop", False)),
            conditions=tuple(
                ConditionSpec(str(c["kind"]), dict(c.get("params") or {}), bool(c.get("negate", False)))
                for c in item.get("conditions") or []
            ),
            actions=tuple(ActionSpec(str(a["kind"]), dict(a.get("params") or {})) for a in item.get("actions") or []),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise InvalidInput(f"rule {position}: missing or bad field {error}") from None


def load(text: str) -> list[RuleSpec]:
    """Parse and validate every rule; one InvalidInput lists all the problems."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise InvalidInput(f"not YAML or JSON: {error}") from None
    items = document.get("rules") if isinstance(document, dict) else document
    if not isinstance(items, list):
        raise InvalidInput("expected a list of rules (or a mapping with `rules:`)")
    rules = [rule_from_document(item, position) for position, item in enumerate(items, 1)]
    problems = [
        f"{rule.name or f'rule {position}'}: {field} {message}"
        for position, rule in enumerate(rules, 1)
        for field, message in rule_errors(rule).items()
    ]
    names = [rule.name for rule in rules]
    problems += [f"{name}: the name is used twice" for name in sorted({n for n in names if names.count(n) > 1})]
    if problems:
        raise RulesInvalid(problems)
    return rules
