"""User administration for admins: the list, adding people, editing role, department and
state, mailing a password-reset link, and a user's tickets.

There is no "set password" field: an admin never learns or chooses someone's password. A new
user (or one who forgot theirs) gets a link by mail and sets it themselves."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import selectinload

from core.db import unit_of_work
from core.errors import DomainError
from core.models import Role, Status, Ticket, User
from core.users import add_user, parse_role, update_user, user_list_filters
from webadmin.access import admins_only
from webadmin.actions import action
from webadmin.db import get_runtime, get_session
from webadmin.password_reset import mail_reset_link

bp = Blueprint("users", __name__, url_prefix="/admin/users")
bp.before_request(admins_only)

PAGE_SIZE = 100
TICKETS_SHOWN = 50


@bp.route("")
def index() -> ResponseReturnValue:
    """Sorted by address; `?after=` (an address) is the next page, `?role=` and `?q=` filter."""
    role, text, after = (request.args.get(name, "").strip() for name in ("role", "q", "after"))
    try:
        filters = user_list_filters(role, text, after)
    except DomainError as error:
        abort(400, str(error))
    query = select(User).where(*filters).order_by(User.email).limit(PAGE_SIZE + 1)
    rows = list(get_session().scalars(query))
    return render_template(
        "admin/users.html", users=rows[:PAGE_SIZE], roles=list(Role), role=role, q=text,
        next_after=rows[PAGE_SIZE - 1].email if len(rows) > PAGE_SIZE else None,
    )


@bp.route("", methods=["POST"])
def add() -> ResponseReturnValue:
    """Add a person; with "mail a link" they get a mail to set their password."""
    form = request.form
    try:
        with unit_of_work(get_runtime().sessions) as session:
            user = add_user(
                session, form.get("email", ""), role=parse_role(form.get("role", "client")),
                name=form.get("name", ""), department=form.get("department", ""),
            )
            sent = form.get("send_link") == "on" and mail_reset_link(session, user) is not None
    except DomainError as error:
        flash(str(error), "error")
        typed = urlencode({f"new_{name}": form.get(name, "") for name in ("email", "name", "department", "role")})
        return redirect(f"{url_for('users.index')}?{typed}")
    flash(f"Added {user.email}." + (" A link to set a password is on its way." if sent else ""), "success")
    return redirect(url_for("users.user", user_id=user.id))


def _user(user_id: int) -> User:
    found = get_session().get(User, user_id, options=[selectinload(User.groups)])
    if found is None:
        abort(404)
    return found


def _tickets(condition: ColumnElement[bool]) -> list[Ticket]:
    query = select(Ticket).where(condition).order_by(Ticket.updated_at.desc()).limit(TICKETS_SHOWN)
    return list(get_session().scalars(query))


@bp.route("/<int:user_id>")
def user(user_id: int) -> ResponseReturnValue:
    found = _user(user_id)
    open_assigned = and_(Ticket.assignee_id == user_id, Ticket.status.not_in([Status.RESOLVED, Status.CLOSED]))
    assigned = _tickets(open_assigned) if found.is_staff else []
    return render_template(
        "admin/user.html", user=found, roles=list(Role), requested=_tickets(Ticket.requester_id == user_id),
        assigned=assigned, shown=TICKETS_SHOWN,
    )


@bp.route("/<int:user_id>", methods=["POST"])
def edit(user_id: int) -> ResponseReturnValue:
    form = request.form
    with action("Saved.") as session:
        found = session.get(User, user_id)
        if found is None:
            abort(404)
        update_user(
            session, found, name=form.get("name", ""), role=parse_role(form.get("role", "")),
            department=form.get("department", ""), active=form.get("active") == "on",
            undeliverable=form.get("undeliverable") == "on",
        )
    return redirect(url_for("users.user", user_id=user_id))


@bp.route("/<int:user_id>/reset-link", methods=["POST"])
def reset_link(user_id: int) -> ResponseReturnValue:
    """Mail the user a link to set a new password (their current one keeps working until then)."""
    with unit_of_work(get_runtime().sessions) as session:
        found = session.get(User, user_id)
        if found is None:
            abort(404)
        queued = mail_reset_link(session, found) if found.active else None
        email = found.email
    if queued is None:
        flash(f"No mail for {email}: the user is inactive, the address is marked undeliverable, "
              "or it got too many automatic mails in the last hour.", "error")
    else:
        flash(f"A password-reset link is on its way to {email}.", "success")
    return redirect(url_for("users.user", user_id=user_id))
