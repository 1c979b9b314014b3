"""A rule as plain data: what the editor edits, YAML/JSON carries and the engine runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class MatchMode(StrEnum):
    ALL = "all"
    ANY = "any"


@dataclass(frozen=True)
class ConditionSpec:
    kind: str
    params: dict[str, Any] = field(default_factory=dict)
    negate: bool = False


@dataclass(frozen=True)
class ActionSpec:
    kind: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RuleSpec:
    name: str
    conditions: tuple[ConditionSpec, ...]
    actions: tuple[ActionSpec, ...]
    match: MatchMode = MatchMode.ALL
    enabled: bool = True
    stop: bool = False
