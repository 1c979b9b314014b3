"""The entry point for gunicorn: `gunicorn 'webadmin.wsgi:application_from_environment()'`.

A factory, not a module-level `app`, so importing this module builds nothing."""

from __future__ import annotations

from flask import Flask

from core.runtime import Runtime
from webadmin import create_app


def application_from_environment() -> Flask:
    """The app configured from `POSTDESK_*` variables (and `./.env`)."""
    return create_app(Runtime.from_environment())
