"""Jinja2 templates for the mails we send (templates/email/NAME.subject|.txt|.html).

The templates folder ships inside the wheel next to the packages, so it is found from an
installed copy as well as from a checkout."""

from __future__ import annotations

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


def render(name: str, **context: Any) -> RenderedMail:
    env = _environment()
    subject = " ".join(env.get_template(f"{name}.subject").render(**context).split())
    text = env.get_template(f"{name}.txt").render(**context)
    try:
        html: str | None = env.get_template(f"{name}.html").render(**context)
    except TemplateNotFound:
        html = None
    return RenderedMail(subject=subject, text=text, html=html)
