"""`/unsubscribe/<token>`: turning off non-essential notifications from a link in the mail.

GET only shows what the link would turn off and a button: mail scanners and link previews
fetch every URL in a mail, and a GET that acted would unsubscribe people who never clicked.
POST does it, with the form's CSRF token.

RFC 8058 one-click: a mail client that saw `List-Unsubscribe-Post: List-Unsubscribe=One-Click`
POSTs exactly that body to the link, without our form and so without a CSRF token. That POST
is exempt from CSRF by design: CSRF protects actions that ride on someone's signed-in session,
and this one uses none. The signed token in the URL is the whole authority (whoever holds the
link may use it, signed in or not), so a forged cross-site request could do nothing that the
link itself does not already allow. Any other POST still needs the CSRF token."""

from __future__ import annotations

from flask import Blueprint, Flask, abort, current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFProtect

from core.db import unit_of_work
from core.errors import InvalidInput
from core.models import User
from core.unsubscribe import OptOut, opt_out, read_token
from webadmin.db import get_runtime, get_session

bp = Blueprint("unsubscribe", __name__)

ONE_CLICK = "One-Click"
DESCRIPTIONS = {
    OptOut.STATUS: "mails when the status of your tickets changes (waiting for you, resolved, closed)",
    OptOut.ASSIGNMENT: "mails when a ticket is assigned to you or arrives in your group",
}
"""Replies from staff are not on this list: they always reach the requester."""


def init_app(app: Flask, csrf: CSRFProtect) -> None:
    """Register the blueprint; its POST checks CSRF itself (see `confirm`)."""
    csrf.exempt(confirm)
    app.register_blueprint(bp)


def _recipient(token: str) -> tuple[User, OptOut]:
    try:
        user_id, kind = read_token(get_runtime().settings.secret_key, token)
    except InvalidInput:
        abort(404)
    user = get_session().get(User, user_id)
    if user is None:
        abort(404)
    return user, kind


@bp.route("/unsubscribe/<token>")
def ask(token: str) -> ResponseReturnValue:
    user, kind = _recipient(token)
    return render_template("unsubscribe.html", user=user, what=DESCRIPTIONS[kind], token=token, done=False)


@bp.route("/unsubscribe/<token>", methods=["POST"])
def confirm(token: str) -> ResponseReturnValue:
    """Turn the mails off: one-click from a mail client, or the confirm form (with CSRF)."""
    one_click = request.form.get("List-Unsubscribe") == ONE_CLICK
    if not one_click:
        current_app.extensions["csrf"].protect()
    user, kind = _recipient(token)
    with unit_of_work(get_runtime().sessions) as session:
        opt_out(session, session.get_one(User, user.id), kind)
    if one_click:
        return "Unsubscribed.", 200, {"Content-Type": "text/plain; charset=utf-8"}
    return render_template("unsubscribe.html", user=user, what=DESCRIPTIONS[kind], token=token, done=True)
