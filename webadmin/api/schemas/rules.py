"""Routing rules as a document: the export's shape, which an import takes back."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, field_validator

from webadmin.api.schemas.common import NO_NUL, Reply, RequestBody

Kind = Annotated[str, StringConstraints(min_length=1, max_length=64), NO_NUL]


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


class _WithParams(RequestBody):
    kind: Kind
    params: dict[str, Any] = Field(default_factory=dict, description="Depends on the kind; see the README's routing rules.")

    @field_validator("params")
    @classmethod
    def _no_nul(cls, params: dict[str, Any]) -> dict[str, Any]:
        if _has_nul(params):
            raise ValueError("text may not contain NUL characters")
        return params


class ConditionDoc(_WithParams):
    negate: bool = False


class ActionDoc(_WithParams):
    pass


class RuleDoc(RequestBody):
    name: Annotated[str, StringConstraints(min_length=1, max_length=200), NO_NUL]
    match: Literal["all", "any"] = "all"
    enabled: bool = True
    stop: bool = False
    conditions: list[ConditionDoc] = Field(max_length=50)
    actions: list[ActionDoc] = Field(max_length=50)


class RuleSet(RequestBody):
    """Every rule, in the order they run. An import replaces all rules, or none if one is invalid."""

    rules: list[RuleDoc] = Field(max_length=500)


class ConditionOut(Reply):
    kind: str
    params: dict[str, Any]
    negate: bool


class ActionOut(Reply):
    kind: str
    params: dict[str, Any]


class RuleOut(Reply):
    name: str
    match: Literal["all", "any"]
    enabled: bool
    stop: bool
    conditions: list[ConditionOut]
    actions: list[ActionOut]


class RuleSetOut(Reply):
    rules: list[RuleOut] = Field(description="The rules in the order they run.")
