"""Mailboxes for admins: the IMAP accounts the gateway polls (add, edit, disable, test the
connection) and the recipient-address routes that file new tickets into a group.

Passwords are write-only here: the edit form never shows the stored one, and leaving the
field empty keeps it. The gateway notices an edited or disabled mailbox on its next look at
the list; nothing has to be restarted."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.catalog import GROUP_ORDER
from core.db import unit_of_work
from core.errors import DomainError, InvalidInput
from core.mailboxes import MailboxAccount, add_mailbox, default_port, list_mailboxes, parse_security, update_mailbox
from core.models import Category, Group, Mailbox, MailboxSecurity, RecipientRoute
from core.recipient_routes import add_route, list_routes
from mailgateway.imap.probe import probe
from webadmin.access import admins_only
from webadmin.actions import action
from webadmin.db import get_or_404, get_runtime, get_session

bp = Blueprint("mailboxes", __name__, url_prefix="/admin/mailboxes")
bp.before_request(admins_only)


@bp.route("")
def index() -> ResponseReturnValue:
    session = get_session()
    groups = session.scalars(select(Group).options(selectinload(Group.categories)).order_by(*GROUP_ORDER))
    return render_template(
        "admin/mailboxes.html", mailboxes=list_mailboxes(session), routes=list_routes(session), groups=list(groups)
    )


def _fields(form: Any) -> dict[str, Any]:
    """The form as keyword arguments for core.mailboxes; an empty port means the default one."""
    security = parse_security(form.get("security", ""))
    port = form.get("port", "").strip()
    if port and not port.isdigit():
        raise InvalidInput(f"port {port!r} is not a number")
    return {
        "name": form.get("name", ""),
        "host": form.get("host", ""),
        "port": int(port) if port else default_port(security),
        "security": security,
        "username": form.get("username", ""),
        "password": form.get("password", ""),
        "folder": form.get("folder", "") or "INBOX",
        "move_to": form.get("move_to", "").strip() or None,
    }


def _form(mailbox: Mailbox | None, values: Any, error: str | None = None) -> ResponseReturnValue:
    page = render_template(
        "admin/mailbox_form.html", mailbox=mailbox, values=values, error=error, securities=list(MailboxSecurity)
    )
    return page, 400 if error else 200


@bp.route("/new", methods=["GET", "POST"])
def new() -> ResponseReturnValue:
    if request.method == "GET":
        return _form(None, {"security": MailboxSecurity.TLS.value, "folder": "INBOX"})
    try:
        with unit_of_work(get_runtime().sessions) as session:
            mailbox_id = add_mailbox(session, **_fields(request.form)).id
    except DomainError as error:
        return _form(None, request.form, str(error))
    flash("Mailbox added. Test the connection to be sure the gateway can read it.", "success")
    return redirect(url_for("mailboxes.edit", mailbox_id=mailbox_id))



@bp.route("/<int:mailbox_id>", methods=["GET", "POST"])
def edit(mailbox_id: int) -> ResponseReturnValue:
    mailbox = get_or_404(get_session(), Mailbox, mailbox_id)
    if request.method == "GET":
        values = {column: getattr(mailbox, column) for column in ("name", "host", "port", "username", "folder")}
        return _form(mailbox, {**values, "security": mailbox.security.value, "move_to": mailbox.move_to or ""})
    try:
        with unit_of_work(get_runtime().sessions) as session:
            update_mailbox(session, get_or_404(session, Mailbox, mailbox_id), **_fields(request.form))
    except DomainError as error:
        return _form(mailbox, request.form, str(error))
    flash("Mailbox saved.", "success")
    return redirect(url_for("mailboxes.edit", mailbox_id=mailbox_id))


@bp.route("/<int:mailbox_id>/enabled", methods=["POST"])
def set_enabled(mailbox_id: int) -> ResponseReturnValue:
    enabled = request.form.get("enabled") == "1"
    with action("Mailbox enabled: the gateway polls it again." if enabled else "Mailbox disabled.") as session:
        get_or_404(session, Mailbox, mailbox_id).enabled = enabled
    return redirect(url_for("mailboxes.index"))


@bp.route("/<int:mailbox_id>/test", methods=["POST"])
def test(mailbox_id: int) -> ResponseReturnValue:
    """Log in and open the folder now, with the stored settings; say what happened."""
    account = MailboxAccount.from_row(get_or_404(get_session(), Mailbox, mailbox_id))
    result = probe(account)
    if result.ok:
        flash(f"Connection works. {result.detail}", "success")
    else:
        flash(f"Connection failed: {result.detail}", "error")
    return redirect(url_for("mailboxes.edit", mailbox_id=mailbox_id))


@bp.route("/routes", methods=["POST"])
def add_address_route() -> ResponseReturnValue:
    """`group` is a group id; `category` an optional category id of that group."""
    form = request.form
    with action(f"Mail to {form.get('address', '').strip()} now opens tickets in the chosen group.") as session:
        group = session.get(Group, form.get("group", type=int) or 0)
        if group is None:
            raise InvalidInput("choose a group")
        category_id = form.get("category", type=int)
        add_route(session, form.get("address", ""), group, session.get(Category, category_id) if category_id else None)
    return redirect(url_for("mailboxes.index"))


@bp.route("/routes/<int:route_id>/delete", methods=["POST"])
def delete_route(route_id: int) -> ResponseReturnValue:
    with action("Route removed.") as session:
        route = session.get(RecipientRoute, route_id)
        if route is None:
            abort(404)
        session.delete(route)
    return redirect(url_for("mailboxes.index"))
