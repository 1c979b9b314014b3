"""Check a rule before it is saved: field path -> message, for the editor to show in place."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from core.rules.actions import ACTIONS
from core.rules.conditions import registry
from core.rules.spec import ActionSpec, ConditionSpec, RuleSpec


class _Kind(Protocol):
    def errors(self, params: Mapping[str, Any]) -> dict[str, str]: ...


def _item_errors(section: str, items: Sequence[ConditionSpec | ActionSpec], kinds: Mapping[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for index, item in enumerate(items):
        kind: _Kind | None = kinds.get(item.kind)
        if kind is None:
            errors[f"{section}.{index}.kind"] = f"unknown {section[:-1]} {item.kind!r}"
            continue
        for key, message in kind.errors(item.params).items():
            errors[f"{section}.{index}.{key}"] = message
    return errors


def rule_errors(rule: RuleSpec) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not rule.name.strip():
        errors["name"] = "give the rule a name"
    if not rule.conditions:
        errors["conditions"] = "a rule needs at least one condition"
    if not rule.actions:
        errors["actions"] = "a rule needs at least one action"
    return {
        **errors,
        **_item_errors("conditions", rule.conditions, registry()),
        **_item_errors("actions", rule.actions, ACTIONS),
    }

