"""The employees' portal under `/portal/`: their tickets, new requests, and their account.

Everyone signed in may use it (staff see the tickets they asked for themselves); what a
person may see and do is decided in core.portal_tickets: only tickets they requested or
watch (anything else is 404), and only the public conversation. The account pages
(webadmin.claim) are a blueprint nested in this one, so their endpoints are
`portal.account.*`; claiming an account is the only thing here that needs no sign-in.

Every page works without JavaScript; portal.js only turns the category select into a cascade."""

from __future__ import annotations

from flask import Blueprint, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from core.permissions import manages_organizations
from webadmin import claim
from webadmin.db import get_session

bp = Blueprint("portal", __name__, url_prefix="/portal")
bp.register_blueprint(claim.bp)

PUBLIC_ENDPOINTS = frozenset({"portal.account.claim", "portal.account.claim_link"})


@bp.before_request
def require_login() -> ResponseReturnValue | None:
    """Send anonymous visitors to the login page (and back), except to the claim pages."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    answer: ResponseReturnValue | None = _signed_in()  # Flask-Login's decorator is untyped
    return answer


@login_required
def _signed_in() -> ResponseReturnValue | None:
    """None for a signed-in user; Flask-Login's decorator sends anyone else to the login page."""
    return None


@bp.app_template_global("portal_manages_organizations")
def _manages_organizations() -> bool:
    """Whether the portal's tabs offer "My organization" (the signed-in user is a customer manager)."""
    return bool(current_user.is_authenticated and manages_organizations(get_session(), current_user.user))


@bp.route("/")
def index() -> ResponseReturnValue:
    return redirect(url_for("portal.tickets"))


# The view modules register their routes on `bp` when imported.
from webadmin.portal import lists, new_ticket, ticket_page  # noqa: F401
