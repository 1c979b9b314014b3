"""Jinja2 templates for the mails we send (templates/email/NAME.subject|.txt|.html).

The templates folder ships inside the wheel next to the packages, so it is found from an
installed copy as well as from a checkout."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError, TemplateNotFound, select_autoescape

log = logging.getLogger(__name__)
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


def _render_part(
    name: str, part: str, overrides: Mapping[str, str], context: dict[str, Any], fallback: bool
) -> str | None:
    """An admin's override (from the database) wins over the shipped file. With `fallback`, an
    override that fails for this ticket gives way to the file: a notification must not fail
    the change (or the inbound mail) that causes it."""
    env = _environment()
    if part in overrides:
        try:
            template = env.overlay(autoescape=part == "html").from_string(overrides[part])
            return template.render(**context)
        except TemplateError:
            if not fallback:
                raise
            log.exception("the admin's %s.%s does not render here; using the shipped file", name, part)
    try:
        return env.get_template(f"{name}.{part}").render(**context)
    except TemplateNotFound:
        if part == "html":
            return None
        raise


def render(
    name: str, overrides: Mapping[str, str] | None = None, *, fallback: bool = True, **context: Any
) -> RenderedMail:
    """Render NAME.subject, NAME.txt and (if there is one) NAME.html."""
    parts = overrides or {}
    subject = _render_part(name, "subject", parts, context, fallback) or ""
    return RenderedMail(
        subject=" ".join(subject.split()),
        text=_render_part(name, "txt", parts, context, fallback) or "",
        html=_render_part(name, "html", parts, context, fallback),
    )
