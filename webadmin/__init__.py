"""The web panel: `create_app(runtime)` builds the Flask app; nothing is built at import time.

Blueprints: auth (`/login`, `/logout`), password_reset (`/forgot-password`,
`/reset-password/<token>`), unsubscribe (`/unsubscribe/<token>`), admin (`/admin/`, staff:
tickets), operations (staff: inbound log, outbox, mail sink), and the admins' settings
pages: catalog, users, mailboxes, mail_templates, rules, organizations (with contracts); reports
and exports (staff), imports (admins), see webadmin.reports; portal (`/portal/`, employees);
api (`/api/v1/`, the JSON REST API, and its token pages: webadmin.api).
Templates live in the top-level `templates/` folder, shared with the mail templates and
shipped inside the wheel, so an installed copy finds them too."""

from __future__ import annotations

import logging
from datetime import datetime
from enum import Enum
from pathlib import Path

from flask import Flask, g, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import AnonymousUserMixin
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, ServiceUnavailable
from werkzeug.middleware.proxy_fix import ProxyFix

from core import mailtemplates
from core.db import DatabaseUnavailable, check_connection
from core.runtime import Runtime
from webadmin import (
    admin,
    api,
    auth,
    catalog_pages,
    db,
    forms,
    mailbox_pages,
    operations,
    org_pages,
    password_reset,
    portal,
    reports,
    rules_editor,
    security,
    sla_pages,
    template_pages,
    unsubscribe,
    user_pages,
)

log = logging.getLogger(__name__)

BLUEPRINTS = (
    password_reset.bp,
    admin.bp,
    operations.bp,
    catalog_pages.bp,
    user_pages.bp,
    mailbox_pages.bp,
    template_pages.bp,
    sla_pages.bp,
    rules_editor.bp,
    org_pages.bp,
    *reports.BLUEPRINTS,
    portal.bp,
)

ERROR_PAGES = frozenset({400, 403, 404, 500, 503})
"""Status codes with a page of their own under templates/errors/."""


def create_app(runtime: Runtime) -> Flask:
    app = Flask(__name__, template_folder=str(Path(mailtemplates.TEMPLATES_DIR)))
    app.config.update(
        SECRET_KEY=runtime.settings.secret_key,
        # Cookies are not separated by port: a name of our own avoids clashing with other local apps.
        SESSION_COOKIE_NAME="postdesk_session",
        # Served over HTTPS (by its public URL), the cookie never travels in clear text.
        SESSION_COOKIE_SECURE=runtime.settings.base_url.startswith("https://"),
        # The per-file limits are checked at the forms; this caps one whole request (10 files).
        MAX_CONTENT_LENGTH=forms.MAX_FILES * forms.MAX_FILE_SIZE + forms.MIB,
    )
    db.init_app(app, runtime)
    security.init_app(app)
    csrf = CSRFProtect(app)
    auth.init_app(app)
    unsubscribe.init_app(app, csrf)
    api.init_app(app, csrf, runtime.settings)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    app.add_url_rule("/healthz", "healthz", healthz)
    app.add_template_filter(when, "when")
    app.add_template_filter(label, "label")
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(OperationalError, database_unavailable)
    app.register_error_handler(DatabaseUnavailable, database_unavailable)
    trust_proxies(app, runtime.settings.trusted_proxies)
    return app


def trust_proxies(app: Flask, hops: int) -> None:
    """Behind `hops` reverse proxies, take the client's address and scheme from the entries
    those proxies added to X-Forwarded-For/-Proto: the login throttle counts per client
    address, `request.is_secure` and external URLs follow the client's scheme. With 0 both
    headers are ignored: anyone can send them, and trusting them unasked would let a client
    choose its address. The host is the Host header as the proxy passes it on."""
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0)  # type: ignore[method-assign]


def healthz() -> ResponseReturnValue:
    """For load balancers and supervisors: 503 while the database cannot be reached.

    The reason goes to the log, not into the public answer."""
    try:
        check_connection(db.get_runtime().engine)
    except DatabaseUnavailable as error:
        log.warning("health check: %s", error)
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok")


def http_error(error: HTTPException) -> ResponseReturnValue:
    """JSON under `/api/` (webadmin.api.errors), our own page where there is one, else Werkzeug's plain page."""
    code = error.code or 500
    if request.path.startswith("/api/"):
        return api.http_error_response(error)
    if code in ERROR_PAGES:
        return render_template(f"errors/{code}.html", error=error), code
    return error


def database_unavailable(error: Exception) -> ResponseReturnValue:
    """A database that is down or locked is a 'try again shortly', not a crash."""
    log.error("database unavailable during %s %s: %s", request.method, request.path, error)
    # The signed-in user may not be loaded yet and cannot be now: the error page is rendered as
    # for a visitor, or loading them for the page would fail again and turn the 503 into a 500.
    g._login_user = AnonymousUserMixin()
    return http_error(ServiceUnavailable("The database cannot be reached right now. Please try again in a minute."))


def when(moment: datetime | None) -> str:
    """A timestamp as staff read it in a list: minutes, in UTC, saying so."""
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "—"


def label(value: Enum | str) -> str:
    """`in_progress` -> `In progress`, for statuses, priorities and message kinds."""
    text = value.value if isinstance(value, Enum) else value
    return str(text).replace("_", " ").capitalize()
