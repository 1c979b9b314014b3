"""What the editor's template needs besides the typed rule: the kinds of each section with
their descriptions and fields, which kinds use each field (the script shows a field only for
those), the choices from the database, and the blank row the script copies."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from webadmin.rules_editor.choices import Choice, form_choices
from webadmin.rules_editor.fields import FormField, field
from webadmin.rules_editor.rule_form import (
    SECTIONS,
    Row,
    descriptions,
    kinds,
    new_row,
    section_fields,
)

TEMPLATE_ROW = "__i__"
"""The number of the script's blank row; it puts the next free number in its place."""


@dataclass(frozen=True)
class EditorParts:
    kinds: dict[str, dict[str, tuple[str, ...]]]
    descriptions: dict[str, dict[str, str]]
    fields: dict[str, list[FormField]]
    used_by: dict[str, dict[str, str]]
    choices: dict[str, list[Choice]]
    template_rows: dict[str, Row]


def _used_by(section: str) -> dict[str, str]:
    """Field name -> the kinds that have it, space-separated."""
    return {
        name: " ".join(kind for kind, fields in kinds(section).items() if name in fields)
        for name in section_fields(section)
    }


def editor_parts(session: Session) -> EditorParts:
    return EditorParts(
        kinds={section: kinds(section) for section in SECTIONS},
        descriptions={section: descriptions(section) for section in SECTIONS},
        fields={section: [field(name) for name in section_fields(section)] for section in SECTIONS},
        used_by={section: _used_by(section) for section in SECTIONS},
        choices=form_choices(session),
        template_rows={section: new_row(TEMPLATE_ROW, section) for section in SECTIONS},
    )
