"""One ticket as its requester and watchers see it: the public conversation, its files, a
reply form, and "this is solved" / "reopen" for the requester.

Every view looks the ticket up through core.portal_tickets first, so someone else's ticket is
a 404 for the page, for each POST (before its form is even read) and for its files. A reply
is the same service call as a mailed reply: it reopens a waiting or resolved ticket."""

from __future__ import annotations

import logging

from flask import abort, flash, redirect, render_template, send_file, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from core.errors import DomainError, NotFound
from core.models import Attachment, Message, MessageKind, Ticket, User, utcnow
from core.permissions import Action
from core.portal_tickets import (
    can_see,
    close,
    may_close,
    may_reopen,
    public_messages,
    reopen,
    visible_ticket,
)
from core.search import PUBLIC_KINDS
from core.sla.readings import read_targets
from core.tickets import MessageBody, add_message
from core.upload_policy import SHOWN_INLINE
from webadmin.auth import signed_in_user
from webadmin.db import get_runtime, get_session
from webadmin.portal import bp
from webadmin.portal.forms import ReplyForm
from webadmin.portal.uploads import store_uploads
from webadmin.staff.attachments import download_name, served_type
from webadmin.staff.common import writing

log = logging.getLogger(__name__)


def _visible(number: int) -> Ticket:
    try:
        return visible_ticket(get_session(), signed_in_user(), number)
    except NotFound:
        abort(404)


def render_ticket(number: int, form: ReplyForm | None = None) -> ResponseReturnValue:
    """The page; with a submitted `form` that failed, it is shown with its errors as a 400."""
    ticket, me = _visible(number), signed_in_user()
    page = render_template(
        "portal/ticket.html",
        ticket=ticket,
        me=me,
        messages=public_messages(ticket),
        form=form or ReplyForm(formdata=None),
        sla=read_targets(ticket, utcnow()),
        may_close=may_close(get_session(), ticket, me),
        may_reopen=may_reopen(get_session(), ticket, me),
    )
    return page, 200 if form is None else 400


@bp.route("/tickets/<int:number>")
def ticket(number: int) -> ResponseReturnValue:
    return render_ticket(number)


@bp.route("/tickets/<int:number>/reply", methods=["POST"])
def reply(number: int) -> ResponseReturnValue:
    _visible(number)
    form = ReplyForm()
    if not form.validate_on_submit():
        return render_ticket(number, form)
    attachments = store_uploads(get_runtime().blobs, form.files.data or [])
    body = MessageBody(text=(form.body.data or "").strip(), attachments=attachments)
    try:
        with writing() as (session, me):
            ticket = visible_ticket(session, me, number, Action.COMMENT)
            message = add_message(session, ticket, author=me, kind=MessageKind.WEB, body=body)
            message_id = message.id
    except NotFound:
        abort(404)
    except DomainError as refused:
        form.body.errors.append(str(refused))
        return render_ticket(number, form)
    flash("Your reply was added.", "success")
    return redirect(url_for("portal.ticket", number=number, _anchor=f"message-{message_id}"), 303)


DONE = {"close": "Closed: glad it is solved.", "reopen": "Reopened: it is back with the helpdesk."}


def _change(number: int, change: str) -> ResponseReturnValue:
    """Close or reopen in one unit of work; a refusal is a flash message on the ticket page."""
    _visible(number)
    run = close if change == "close" else reopen
    try:
        with writing() as (session, me):
            run(session, visible_ticket(session, me, number), me)
    except NotFound:
        abort(404)
    except DomainError as refused:
        flash(str(refused), "error")
    else:
        flash(DONE[change], "success")
    return redirect(url_for("portal.ticket", number=number), 303)


@bp.route("/tickets/<int:number>/close", methods=["POST"])
def close_ticket(number: int) -> ResponseReturnValue:
    return _change(number, "close")


@bp.route("/tickets/<int:number>/reopen", methods=["POST"])
def reopen_ticket(number: int) -> ResponseReturnValue:
    return _change(number, "reopen")


def _public_attachment(user: User, attachment_id: int) -> Attachment:
    """The file if it is on a public message of a ticket the user sees; else 404."""
    session = get_session()
    query = (
        select(Attachment)
        .join(Message, Message.id == Attachment.message_id)
        .where(Attachment.id == attachment_id, Message.kind.in_(PUBLIC_KINDS))
    )
    item = session.scalar(query)
    if item is None or not can_see(session, user, item.message.ticket_id):
        abort(404)
    return item


@bp.route("/attachments/<int:attachment_id>")
def attachment(attachment_id: int) -> ResponseReturnValue:
    """Images and PDF are shown inline, everything else is downloaded."""
    item = _public_attachment(signed_in_user(), attachment_id)
    path = get_runtime().blobs.path(item.sha256)
    if not path.is_file():
        log.error("attachment %s: blob %s is missing from the store", item.id, item.sha256)
        abort(404)
    mimetype = served_type(item.content_type)
    response = send_file(
        path, mimetype=mimetype, as_attachment=mimetype not in SHOWN_INLINE, download_name=download_name(item.filename)
    )
    response.cache_control.private = True
    return response
