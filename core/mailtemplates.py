"""Jinja2 templates for the mails we send (templates/email/NAME.subject|.txt|.html).

The templates folder ships inside the wheel next to the packages, so it is found from an
installed copy as well as from a checkout."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateNotFound, select_autoescape

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"


@dataclass(frozen=True, slots=True)
class RenderedMail:
    subject: str
    text: str
    html: str | None


@cache
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES_DIR / "email"),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


def _render_part(name: str, part: str, overrides: Mapping[str, str], context: dict[str, Any]) -> str | None:
    """An admin's override (from the database) wins over the shipped file."""
    env = _environment()
    if part in overrides:
        autoescape = part == "html"
        template = env.overlay(autoescape=autoescape).from_string(overrides[part])
        return template.render(**context)
    try:
        return env.get_template(f"{name}.{part}").render(**context)
    except TemplateNotFound:
        if part == "html":
            return None
        raise


def render(name: str, overrides: Mapping[str, str] | None = None, **context: Any) -> RenderedMail:
    """Render NAME.subject, NAME.txt and (if there is one) NAME.html."""
    parts = overrides or {}
    subject = _render_part(name, "subject", parts, context) or ""
    return RenderedMail(
        subject=" ".join(subject.split()),
        text=_render_part(name, "txt", parts, context) or "",
        html=_render_part(name, "html", parts, context),
    )
