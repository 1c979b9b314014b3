"""How each param of a condition or action is edited in the form, and read back from it.

A kind names its params (`fields` in core.rules.conditions and core.rules.actions); this file
gives each param name a label and a widget, and converts between the param's value in the
rule and the strings a form posts. A param name it does not know gets a plain text box, so a
new condition kind works in the editor without a change here."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from core.models import Priority
from core.rules.matching import OPERATORS

FormValue = str | list[str]
MISSING: Any = object()
"""An empty field: the param is left out, so the kind's default (or its error) applies."""

OPERATOR_LABELS = {
    "equals": "equals",
    "in": "is one of",
    "contains": "contains",
    "glob": "matches the wildcard pattern",
    "regex": "matches the regular expression",
}
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_LIST_SEPARATOR = re.compile(r"[,\n]")


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    widget: str = "text"
    """text | select | check | days | list (a comma-separated text box for a list param)."""
    choices: tuple[tuple[str, str], ...] = ()
    source: str = ""
    """For a select whose choices come from the database: paths, agents, groups, templates."""
    booleans: tuple[tuple[str, bool], ...] = ()
    """For a select that stands for a bool: each choice's value."""
    hint: str = ""
    placeholder: str = ""


FIELDS = {
    field.name: field
    for field in (
        FormField("op", "Test", "select", tuple((op, OPERATOR_LABELS.get(op, op)) for op in OPERATORS)),
        FormField("value", "Value", hint="For “is one of”, separate the values with commas."),
        FormField("ignore_case", "Ignore case", "check"),
        FormField("header", "Header name", placeholder="X-Priority"),
        FormField("type", "Attachment type", hint="image/*, *.pdf …; empty: any attachment.", placeholder="any"),
        FormField("inside", "When", "select", (("inside", "inside business hours"), ("outside", "outside business hours")),
                  booleans=(("inside", True), ("outside", False))),
        FormField("timezone", "Time zone", placeholder="Europe/Berlin"),
        FormField("days", "Days", "days", tuple((str(number), day) for number, day in enumerate(WEEKDAYS))),
        FormField("start", "From", placeholder="08:00"),
        FormField("end", "Until", placeholder="18:00"),
        FormField("known", "The sender", "select", (("known", "is a known user"), ("unknown", "is not a known user")),
                  booleans=(("known", True), ("unknown", False))),
        FormField("path", "Group / category", "select", source="paths"),
        FormField("priority", "Priority", "select", tuple((p.value, p.value.capitalize()) for p in Priority)),
        FormField("email", "Agent", "select", source="agents"),
        FormField("group", "Group", "select", source="groups"),
        FormField("strategy", "Which agent", "select", (("least_loaded", "the least loaded"), ("round_robin", "round robin"))),
        FormField("emails", "Watchers", "list", placeholder="lead@example.com, boss@example.com"),
        FormField("tag", "Tag"),
        FormField("template", "Template", "select", source="templates"),
    )
}

MULTI_VALUED = frozenset(name for name, field in FIELDS.items() if field.widget == "days")
"""Fields posted as several values of one name."""


def field(name: str) -> FormField:
    return FIELDS.get(name) or FormField(name, name.replace("_", " ").capitalize())


def _split(text: str) -> list[str]:
    return [item.strip() for item in _LIST_SEPARATOR.split(text) if item.strip()]


def to_param(name: str, raw: FormValue, op: str) -> Any:
    """The param's value from what the form posted (MISSING for an empty field)."""
    spec = field(name)
    if spec.widget == "check":
        return raw == "on"
    if spec.widget == "days":
        return [int(day) if day.isdigit() else day for day in (raw if isinstance(raw, list) else [raw])]
    text = raw if isinstance(raw, str) else ",".join(raw)
    if spec.booleans:
        return dict(spec.booleans).get(text, text)
    if spec.widget == "list" or (name == "value" and op == "in"):
        return _split(text) or MISSING
    return text.strip() or MISSING


def to_form(name: str, value: Any) -> FormValue:
    """What the form shows for a param's value."""
    spec = field(name)
    if spec.widget == "check":
        return "on" if value else ""
    if spec.widget == "days":
        return [str(day) for day in value] if isinstance(value, list) else [str(value)]
    if spec.booleans and isinstance(value, bool):
        return next(choice for choice, meaning in spec.booleans if meaning is value)
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)
