"""Who may open a page, checked on the server before every view of a blueprint.

`bp.before_request(staff_only)` or `bp.before_request(admins_only)`: an anonymous visitor is
sent to the login page (and back afterwards), a signed-in user without the role gets 403."""

from __future__ import annotations

from flask import abort
from flask_login import login_required

from core.models import Role
from webadmin.auth import signed_in_user


@login_required
def staff_only() -> None:
    if not signed_in_user().is_staff:
        abort(403)


@login_required
def admins_only() -> None:
    if signed_in_user().role is not Role.ADMIN:
        abort(403)
