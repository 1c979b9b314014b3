"""The employees' portal under `/portal/`: your own tickets and what was said on them in public.

"Your own" means you are the requester. Someone else's ticket is answered with 404, not
403, so the portal does not tell which ticket numbers exist. Internal and system notes are
never shown here."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.models import Message, Ticket
from webadmin.auth import signed_in_user
from webadmin.db import get_session

bp = Blueprint("portal", __name__, url_prefix="/portal")

LIST_LIMIT = 200


@bp.before_request
@login_required
def require_login() -> None:
    """Every portal page needs a signed-in user; staff see the tickets they asked for themselves."""


@bp.route("/")
def index() -> ResponseReturnValue:
    return redirect(url_for("portal.tickets"))


@bp.route("/tickets")
def tickets() -> ResponseReturnValue:
    query = (
        select(Ticket)
        .where(Ticket.requester_id == signed_in_user().id)
        .options(selectinload(Ticket.assignee))
        .order_by(Ticket.updated_at.desc(), Ticket.id.desc())
        .limit(LIST_LIMIT)
    )
    return render_template("portal/tickets.html", tickets=list(get_session().scalars(query)))


@bp.route("/tickets/<int:number>")
def ticket(number: int) -> ResponseReturnValue:
    found = get_session().get(
        Ticket,
        number,
        options=[
            selectinload(Ticket.messages).selectinload(Message.author),
            selectinload(Ticket.messages).selectinload(Message.attachments),
        ],
    )
    if found is None or found.requester_id != signed_in_user().id:
        abort(404)
    public = [message for message in found.messages if message.kind.is_public]
    return render_template("portal/ticket.html", ticket=found, messages=public)
