"""The rule editor's form as it was typed: read from a POST or from a saved rule, turned into a
RuleSpec, and given back the errors of core.rules next to the field they are about.

Rows are named `conditions-N-FIELD` and `actions-N-FIELD`. N is only a name: rows added by
the script get the next free number and removed ones leave a gap, so rows are read in the
order of their numbers. A row without a kind is an unused row and is left out. Every row
carries every field of its section; only those of the chosen kind become params."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import MultiDict

from core.rules.actions import ACTIONS, ActionKind
from core.rules.conditions import Condition, registry
from core.rules.conditions.business_hours import DEFAULTS as BUSINESS_HOURS
from core.rules.spec import ActionSpec, ConditionSpec, MatchMode, RuleSpec
from webadmin.rules_editor.fields import (
    MISSING,
    MULTI_VALUED,
    FormValue,
    to_form,
    to_param,
)

SECTIONS = ("conditions", "actions")
MAX_ROWS = 50
EMPTY_ROWS = 2
"""Unused rows on a new rule's form, so that it works without the script (one on an edit)."""
_NEW_ROW_PARAMS: dict[str, Any] = {"op": "equals", "ignore_case": True, **BUSINESS_HOURS, "known": True,
                                   "strategy": "least_loaded"}
"""What an unused row starts with: the kinds' own defaults."""


def kinds(section: str) -> dict[str, tuple[str, ...]]:
    """Kind name -> its fields, in the registry's order."""
    return {name: tuple(kind.fields) for name, kind in _registry(section).items()}


def descriptions(section: str) -> dict[str, str]:
    return {name: kind.description for name, kind in _registry(section).items()}


def _registry(section: str) -> Mapping[str, Condition | ActionKind]:
    """Conditions by name (the registry's order is its files'); actions in their table's order."""
    return dict(sorted(registry().items())) if section == "conditions" else ACTIONS


def section_fields(section: str) -> list[str]:
    """Every field some kind of the section has, once, in a stable order."""
    return list(dict.fromkeys(name for fields in kinds(section).values() for name in fields))


@dataclass
class Row:
    number: str
    values: dict[str, FormValue]
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return str(self.values.get("kind", ""))

    def stray_errors(self, section: str) -> dict[str, str]:
        """Errors about a field the row does not show (a hand-made POST): shown on the row."""
        shown = {"kind", *kinds(section).get(self.kind, ())}
        return {name: message for name, message in self.errors.items() if name not in shown}


def new_row(number: int | str, section: str) -> Row:
    """An unused row; the script's template row has the number `__i__`, replaced when added."""
    values = {name: to_form(name, _NEW_ROW_PARAMS[name]) for name in section_fields(section) if name in _NEW_ROW_PARAMS}
    return Row(str(number), {**values, "kind": ""})


def _row_from_item(number: int, item: ConditionSpec | ActionSpec, section: str) -> Row:
    row = new_row(number, section)
    row.values.update({name: to_form(name, value) for name, value in item.params.items()})
    row.values["kind"] = item.kind
    if isinstance(item, ConditionSpec):
        row.values["negate"] = "on" if item.negate else ""
    return row


def _rows_from_post(form: MultiDict[str, str], section: str) -> list[Row]:
    pattern = re.compile(rf"{section}-(\d{{1,4}})-kind")
    numbers = sorted({int(match.group(1)) for key in form if (match := pattern.fullmatch(key))})[:MAX_ROWS]
    names = ["kind", "negate", *section_fields(section)]
    rows = []
    for number in numbers:
        prefix = f"{section}-{number}-"
        values: dict[str, FormValue] = {
            name: form.getlist(prefix + name) if name in MULTI_VALUED else form.get(prefix + name, "") for name in names
        }
        rows.append(Row(str(number), values))
    return rows


def _params(row: Row, fields: tuple[str, ...]) -> dict[str, Any]:
    op = str(row.values.get("op", ""))
    params = {name: to_param(name, row.values.get(name, ""), op) for name in fields}
    return {name: value for name, value in params.items() if value is not MISSING}


@dataclass
class RuleForm:
    name: str = ""
    match: str = MatchMode.ALL.value
    stop: bool = False
    enabled: bool = True
    rows: dict[str, list[Row]] = field(default_factory=lambda: {section: [] for section in SECTIONS})
    errors: dict[str, str] = field(default_factory=dict)
    """Errors about the rule itself: name, match, and a section without a row."""

    @classmethod
    def blank(cls) -> RuleForm:
        form = cls()
        for section in SECTIONS:
            form.rows[section] = [new_row(number, section) for number in range(EMPTY_ROWS)]
        return form

    @classmethod
    def from_spec(cls, spec: RuleSpec) -> RuleForm:
        form = cls(spec.name, spec.match.value, spec.stop, spec.enabled)
        for section in SECTIONS:
            items: tuple[ConditionSpec | ActionSpec, ...] = getattr(spec, section)
            form.rows[section] = [_row_from_item(number, item, section) for number, item in enumerate(items)]
            form.add_row(section)
        return form

    @classmethod
    def from_post(cls, post: MultiDict[str, str]) -> RuleForm:
        form = cls(post.get("name", ""), post.get("match", ""), post.get("stop") == "on", post.get("enabled") == "on")
        form.rows = {section: _rows_from_post(post, section) for section in SECTIONS}
        return form

    def add_row(self, section: str) -> None:
        if len(self.rows[section]) < MAX_ROWS:
            taken = [int(row.number) for row in self.rows[section]]
            self.rows[section].append(new_row(max(taken, default=-1) + 1, section))

    def remove_row(self, section: str, number: str) -> None:
        self.rows[section] = [row for row in self.rows[section] if row.number != number]

    def _used(self, section: str) -> list[Row]:
        """The rows behind the items of spec(), in order: item N of a section is row _used()[N]."""
        return [row for row in self.rows[section] if row.kind]

    def spec(self) -> RuleSpec:
        """The rule as typed; a match mode that is neither all nor any becomes an error."""
        if self.match not in {mode.value for mode in MatchMode}:
            self.errors["match"] = "choose all or any"
        used = {section: self._used(section) for section in SECTIONS}
        conditions = tuple(
            ConditionSpec(row.kind, _params(row, kinds("conditions").get(row.kind, ())), row.values.get("negate") == "on")
            for row in used["conditions"]
        )
        actions = tuple(ActionSpec(row.kind, _params(row, kinds("actions").get(row.kind, ()))) for row in used["actions"])
        match = MatchMode(self.match) if "match" not in self.errors else MatchMode.ALL
        return RuleSpec(self.name, conditions, actions, match, self.enabled, self.stop)

    def place(self, errors: dict[str, str]) -> None:
        """Put each error of core.rules (`conditions.0.value`, `name`, ...) next to its field."""
        for path, message in errors.items():
            section, _, rest = path.partition(".")
            index, _, name = rest.partition(".")
            rows = self._used(section) if section in SECTIONS else []
            if index.isdigit() and int(index) < len(rows) and name:
                rows[int(index)].errors[name] = message
            else:
                self.errors[path] = message

    @property
    def has_errors(self) -> bool:
        return bool(self.errors) or any(row.errors for rows in self.rows.values() for row in rows)
