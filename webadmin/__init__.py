"""The web panel: `create_app(runtime)` builds the Flask app; nothing is built at import time.

Blueprints: auth (`/login`, `/logout`), password_reset (`/forgot-password`,
`/reset-password/<token>`), unsubscribe (`/unsubscribe/<token>`), admin (`/admin/`, staff:
tickets), operations (staff: inbound log, outbox, mail sink), and the admins' settings
pages: catalog, users, mailboxes, mail_templates; portal (`/portal/`, employees).
Templates live in the top-level `templates/` folder, shared with the mail templates and
shipped inside the wheel, so an installed copy finds them too."""

from __future__ import annotations

import logging
from datetime import datetime
from enum import Enum
from pathlib import Path

from flask import Flask, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, ServiceUnavailable

from core import mailtemplates
from core.db import DatabaseUnavailable, check_connection
from core.runtime import Runtime
from webadmin import (
    admin,
    auth,
    catalog_pages,
    db,
    forms,
    mailbox_pages,
    operations,
    password_reset,
    portal,
    security,
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
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    app.add_url_rule("/healthz", "healthz", healthz)
    app.add_template_filter(when, "when")
    app.add_template_filter(label, "label")
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(OperationalError, database_unavailable)
    app.register_error_handler(DatabaseUnavailable, database_unavailable)
    return app


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
    """JSON under `/api/`, our own page where there is one, else Werkzeug's plain page."""
    code = error.code or 500
    if request.path.startswith("/api/"):
        return jsonify(error=error.name, message=error.description, status=code), code
    if code in ERROR_PAGES:
        return render_template(f"errors/{code}.html", error=error), code
    return error


def database_unavailable(error: Exception) -> ResponseReturnValue:
    """A database that is down or locked is a 'try again shortly', not a crash."""
    log.error("database unavailable during %s %s: %s", request.method, request.path, error)
    return http_error(ServiceUnavailable("The database cannot be reached right now. Please try again in a minute."))


def when(moment: datetime | None) -> str:
    """A timestamp as staff read it in a list: minutes, in UTC, saying so."""
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "—"


def label(value: Enum | str) -> str:
    """`in_progress` -> `In progress`, for statuses, priorities and message kinds."""
    text = value.value if isinstance(value, Enum) else value
    return str(text).replace("_", " ").capitalize()
