"""The JSON REST API under `/api/v1`: the same services as the panels, for scripts and integrations.

One idea per module: `operations` (declaring a route once: auth, validation, answer, docs),
`bearer` (who is calling) with `jwt_tokens` and core.api_tokens, `errors` (one JSON error
shape), `limits` (rate limits), `schemas/` (the bodies), `shapes` (rows as bodies), the routes
(`auth_routes`, `tickets`, `uploads`, `staff_tickets`, `admin_catalog`, `admin_users`,
`admin_rules`, `reports`), `openapi` + `docs` (the document and the docs page), and `token_pages` (the
panel pages where people create and revoke personal API tokens).

The API is exempt from CSRF because it never reads the session cookie: a bearer token in a
header is something another site's page cannot make a browser send."""

from __future__ import annotations

from flask import Flask
from flask_wtf.csrf import CSRFProtect

from core.config import Settings
from core.errors import DomainError

# The route modules declare their operations on `api` when imported.
from webadmin.api import (  # noqa: F401
    admin_catalog,
    admin_rules,
    admin_users,
    auth_routes,
    docs,
    limits,
    reports,
    staff_tickets,
    tickets,
    token_pages,
    uploads,
)
from webadmin.api.blueprint import bp
from webadmin.api.errors import (
    ApiError,
    domain_error_response,
    error_response,
    http_error_response,
)

bp.register_error_handler(ApiError, error_response)
bp.register_error_handler(DomainError, domain_error_response)

__all__ = ["http_error_response", "init_app"]


def init_app(app: Flask, csrf: CSRFProtect, settings: Settings) -> None:
    app.register_blueprint(bp)
    csrf.exempt(bp)
    limits.init_app(app, settings)
    app.register_blueprint(token_pages.bp)
