"""The actions on a ticket page: small POST forms, each one call of a core service.

Every action follows one path: the form is read and checked; the change runs in one unit of
work; a refusal by the service (DomainError) rolls it all back and is shown next to the
field on the page again (400); a success is a flash message and a redirect (303) back to the
ticket. The staff check and the CSRF check ran before any of this (`require_staff`,
CSRFProtect)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import DomainError, InvalidInput
from core.merge import merge_tickets
from core.models import (
    LinkKind,
    MessageKind,
    Priority,
    Status,
    Ticket,
    TicketLink,
    User,
)
from core.permissions import Action
from core.tickets import (
    MessageBody,
    add_message,
    add_watcher,
    assign,
    change_status,
    get_ticket,
    link,
    remove_watcher,
    set_catalog,
    set_priority,
)
from core.users import mail_user, normalise_email
from webadmin.db import get_runtime, get_session
from webadmin.forms import UnwatchForm, ticket_number
from webadmin.staff import bp
from webadmin.staff.attachments import store_uploads
from webadmin.staff.common import catalog_entry, permitted, writing
from webadmin.staff.ticket_page import action_form, render_ticket

Run = Callable[[Session, Ticket, User], str]
"""One change to the ticket inside the unit of work; returns the message for the flash."""


def _words(value: str) -> str:
    return value.replace("_", " ")


def submitted(number: int, prefix: str, action: Action = Action.WORK) -> Any:
    """The posted form `prefix`, with its choices for this ticket; 404 for a missing ticket or
    one the signed-in user may not do `action` to."""
    session = get_session()
    ticket = permitted(session, session.get(Ticket, number), action)
    return action_form(session, ticket, prefix, fresh=False)


def commit(number: int, prefix: str, form: Any, field: str, run: Run, goto: int | None = None) -> ResponseReturnValue:
    """Run the change in one unit of work; show a refusal next to `field`, or go to the ticket."""
    try:
        with writing() as (session, me):
            done = run(session, get_ticket(session, number), me)
    except DomainError as error:
        form[field].errors = [*form[field].errors, str(error)]
        return render_ticket(number, (prefix, form))
    flash(done, "success")
    return redirect(url_for("admin.ticket", number=goto or number), 303)


def act(number: int, prefix: str, field: str, run: Callable[[Any], Run]) -> ResponseReturnValue:
    """Check the posted form, then commit the change `run(form)` describes."""
    form = submitted(number, prefix)
    if not form.validate_on_submit():
        return render_ticket(number, (prefix, form))
    return commit(number, prefix, form, field, run(form))


def _message(number: int, kind: MessageKind, done: str) -> ResponseReturnValue:
    """A reply or a note. Files go into the store before the transaction, so the write lock
    is not held while they are written and synced."""
    form = submitted(number, "reply", Action.SEE_INTERNAL_NOTES if kind is MessageKind.NOTE else Action.COMMENT)
    if not form.validate_on_submit():
        return render_ticket(number, ("reply", form))
    attachments = store_uploads(get_runtime().blobs, form.files.data or [])
    body = MessageBody(text=form.body.data, attachments=attachments)

    def run(session: Session, ticket: Ticket, me: User) -> str:
        add_message(session, ticket, author=me, kind=kind, body=body)
        return done

    return commit(number, "reply", form, "body", run)


@bp.post("/tickets/<int:number>/reply")
def reply(number: int) -> ResponseReturnValue:
    """A public answer: the notification policy mails it, files included, to requester and watchers."""
    return _message(number, MessageKind.WEB, "Reply sent.")


@bp.post("/tickets/<int:number>/note")
def note(number: int) -> ResponseReturnValue:
    return _message(number, MessageKind.NOTE, "Internal note added.")


def _assign(form: Any) -> Run:
    def run(session: Session, ticket: Ticket, me: User) -> str:
        assignee = session.get(User, int(form.assignee.data)) if form.assignee.data else None
        assign(session, ticket, assignee, actor=me)
        return f"Assigned to {assignee.display}." if assignee else "Unassigned."

    return run


def _status(form: Any) -> Run:
    def run(session: Session, ticket: Ticket, me: User) -> str:
        change_status(session, ticket, Status(form.status.data), actor=me)
        return f"The status is {_words(form.status.data)} now."

    return run


def _priority(form: Any) -> Run:
    def run(session: Session, ticket: Ticket, me: User) -> str:
        set_priority(session, ticket, Priority(form.priority.data), actor=me)
        return f"The priority is {form.priority.data} now."

    return run


def _category(form: Any) -> Run:
    def run(session: Session, ticket: Ticket, me: User) -> str:
        set_catalog(session, ticket, catalog_entry(session, form.catalog.data or ""), actor=me)
        return f"Filed under {ticket.category_path}." if ticket.category_path else "No category now."

    return run


@bp.post("/tickets/<int:number>/assign")
def assign_ticket(number: int) -> ResponseReturnValue:
    """Assign to anyone on the staff, to nobody, or (the claim button) to yourself."""
    return act(number, "assign", "assignee", _assign)


@bp.post("/tickets/<int:number>/status")
def ticket_status(number: int) -> ResponseReturnValue:
    return act(number, "status", "status", _status)


@bp.post("/tickets/<int:number>/priority")
def ticket_priority(number: int) -> ResponseReturnValue:
    return act(number, "priority", "priority", _priority)


@bp.post("/tickets/<int:number>/category")
def ticket_category(number: int) -> ResponseReturnValue:
    return act(number, "category", "catalog", _category)


def _watch(form: Any) -> Run:
    def run(session: Session, ticket: Ticket, me: User) -> str:
        user = mail_user(session, normalise_email(form.email.data))
        if user.id == ticket.requester_id or user in ticket.watchers:
            raise InvalidInput(f"{user.email} follows this ticket already")
        add_watcher(session, ticket, user, actor=me)
        return f"{user.email} is watching now."

    return run


@bp.post("/tickets/<int:number>/watchers")
def add_ticket_watcher(number: int) -> ResponseReturnValue:
    """By address; an address we have never seen becomes a mail-only client."""
    return act(number, "watcher", "email", _watch)


@bp.post("/tickets/<int:number>/watchers/remove")
def remove_ticket_watcher(number: int) -> ResponseReturnValue:
    """A button, not a field: a refusal is a flash message."""
    form = UnwatchForm(prefix="unwatch")
    if not form.validate_on_submit():
        abort(400)
    with writing() as (session, me):
        ticket, user = permitted(session, session.get(Ticket, number), Action.WORK), session.get(User, int(form.user_id.data))
        if user is None or user not in ticket.watchers:
            flash("That person is not watching this ticket.", "error")
        else:
            remove_watcher(session, ticket, user, actor=me)
            flash(f"{user.email} stopped watching.", "success")
    return redirect(url_for("admin.ticket", number=number), 303)


def _link(form: Any) -> Run:
    def run(session: Session, ticket: Ticket, me: User) -> str:
        other, kind = get_ticket(session, ticket_number(form.other.data)), LinkKind(form.kind.data)
        if other.id == ticket.id:
            raise InvalidInput("a ticket cannot be linked to itself")
        exists = select(TicketLink.id).where(TicketLink.ticket_id == ticket.id, TicketLink.other_id == other.id)
        if session.scalar(exists.where(TicketLink.kind == kind)) is not None:
            raise InvalidInput(f"already linked to {other.reference}")
        link(session, ticket, other, kind, actor=me)
        return f"Linked to {other.reference}."

    return run


@bp.post("/tickets/<int:number>/links")
def link_ticket(number: int) -> ResponseReturnValue:
    return act(number, "link", "other", _link)


@bp.post("/tickets/<int:number>/merge")
def merge_ticket(number: int) -> ResponseReturnValue:
    """Merge this ticket into another; the page of the other one follows."""
    form = submitted(number, "merge")
    if not form.validate_on_submit():
        return render_ticket(number, ("merge", form))
    target = ticket_number(form.target.data)

    def run(session: Session, ticket: Ticket, me: User) -> str:
        merge_tickets(session, ticket, get_ticket(session, target), actor=me)
        return f"{ticket.reference} was merged into #{target}."

    return commit(number, "merge", form, "target", run, goto=target)
