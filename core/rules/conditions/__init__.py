"""The condition kinds, found by scanning this package: adding a kind is adding one file
that defines `CONDITIONS = (...)`.

A condition has a `name`, a one-line `description`, the names of its `fields` (its params,
for the editor's form), `errors(params)` for the editor (field -> message) and
`check(facts, params)`, which returns why it matched, or None."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping
from functools import cache
from typing import Any, Protocol

from core.rules.facts import MailFacts


class Condition(Protocol):
    name: str
    description: str
    fields: tuple[str, ...]

    def errors(self, params: Mapping[str, Any]) -> dict[str, str]: ...

    def check(self, facts: MailFacts, params: Mapping[str, Any]) -> str | None: ...


@cache
def registry() -> dict[str, Condition]:
    found: dict[str, Condition] = {}
    for module_info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        for condition in getattr(module, "CONDITIONS", ()):
            found[condition.name] = condition
    return found
