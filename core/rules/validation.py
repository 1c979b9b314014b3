"""Check a rule before it is saved: field path -> message, for the editor to show in place."""

from __future__ import annotations

from core.rules.actions import ACTIONS
from core.rules.conditions import registry
from core.rules.spec import RuleSpec


def rule_errors(rule: RuleSpec) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not rule.name.strip():
        errors["name"] = "give the rule a name"
    if not rule.conditions:
        errors["conditions"] = "a rule needs at least one condition"
    if not rule.actions:
        errors["actions"] = "a rule needs at least one action"
    conditions = registry()
    for index, condition in enumerate(rule.conditions):
        kind = conditions.get(condition.kind)
        if kind is None:
            errors[f"conditions.{index}.kind"] = f"unknown condition {condition.kind!r}"
            continue
        for key, message in kind.errors(condition.params).items():
            errors[f"conditions.{index}.{key}"] = message
    for index, action in enumerate(rule.actions):
        action_kind = ACTIONS.get(action.kind)
        if action_kind is None:
            errors[f"actions.{index}.kind"] = f"unknown action {action.kind!r}"
            continue
        for key, message in action_kind.errors(action.params).items():
            errors[f"actions.{index}.{key}"] = message
    return errors
