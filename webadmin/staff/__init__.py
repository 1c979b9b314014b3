"""The staff panel under `/admin/`: the ticket list with search and bulk actions, one ticket
with its actions, attachments, saved views.

Admins and agents only: every request, GET or POST, passes `require_staff` first; anyone
else who is signed in gets 403, and anonymous visitors are sent to the login page. The
blueprint keeps the name `admin`, so its endpoints are `admin.tickets`, `admin.ticket`, ..."""

from __future__ import annotations

from flask import Blueprint, abort
from flask_login import login_required

from webadmin.auth import signed_in_user

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def require_staff() -> None:
    if not signed_in_user().is_staff:
        abort(403)


# The view modules register their routes on `bp` when imported.
from webadmin.staff import (  # noqa: F401
    attachments,
    bulk,
    sla_actions,
    ticket_actions,
    ticket_list,
    ticket_page,
)
