"""One text matcher that every text condition shares: equals, one of, contains, glob, regex.

Parameters: `op` (equals | in | contains | glob | regex), `value` (a string; a list for `in`),
`ignore_case` (default true)."""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from typing import Any

from core.rules import saferegex

OPERATORS = ("equals", "in", "contains", "glob", "regex")
MATCHER_FIELDS = ("op", "value", "ignore_case")


def _fold(text: str, ignore_case: bool) -> str:
    return text.casefold() if ignore_case else text


def matches(text: str, params: Mapping[str, Any]) -> bool:
    op = params.get("op", "equals")
    ignore_case = bool(params.get("ignore_case", True))
    value = params.get("value", "")
    if op == "regex":
        return saferegex.search(str(value), text, ignore_case=ignore_case)
    subject = _fold(text, ignore_case)
    if op == "in":
        return subject in {_fold(str(item), ignore_case) for item in value}
    wanted = _fold(str(value), ignore_case)
    if op == "contains":
        return wanted in subject
    if op == "glob":
        return fnmatch.fnmatchcase(subject, wanted)
    return subject == wanted


def matcher_errors(params: Mapping[str, Any]) -> dict[str, str]:
    """Field name -> error, for the editor to show next to the field."""
    op = params.get("op", "equals")
    value = params.get("value")
    if op not in OPERATORS:
        return {"op": f"choose one of: {', '.join(OPERATORS)}"}
    if op == "in":
        if not isinstance(value, list) or not value or not all(isinstance(item, str) and item for item in value):
            return {"value": "give a list of one or more values"}
        return {}
    if not isinstance(value, str) or not value:
        return {"value": "give a value"}
    if op == "regex":
        error = saferegex.pattern_error(value)
        return {"value": error} if error else {}
    return {}


def describe(params: Mapping[str, Any]) -> str:
    op = params.get("op", "equals")
    value = params.get("value", "")
    return f"{op} {', '.join(value) if isinstance(value, list) else value!r}"
