"""Bulk actions on the ticket list: one form, many tickets, each through the core services.

Each ticket is changed inside its own savepoint: a ticket the service refuses (a move the
status table does not allow, a ticket that vanished) is rolled back alone and reported by
number, while the others are changed and committed together."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from core.errors import DomainError
from core.models import Priority, Status, Ticket, User
from core.permissions import Action, Surface, decide
from core.tickets import assign, change_status, set_catalog, set_priority
from webadmin.auth import safe_next
from webadmin.db import get_session
from webadmin.forms import BulkForm
from webadmin.staff import bp
from webadmin.staff.common import active_groups, catalog_entry, staff_members, writing
from webadmin.staff.ticket_list import bulk_form

Change = Callable[[Session, Ticket, User], None]


def _assignee(session: Session, value: str) -> User | None:
    return session.get(User, int(value)) if value else None


def bulk_change(form: BulkForm) -> Change:
    """The service call the form asks for, as one function of (session, ticket, actor)."""
    action = form.action.data
    if action == "assign":
        value = form.assignee.data or ""
        return lambda session, ticket, me: assign(session, ticket, _assignee(session, value), actor=me)
    if action == "status":
        status = Status(form.status.data)
        return lambda session, ticket, me: change_status(session, ticket, status, actor=me)
    if action == "close":
        return lambda session, ticket, me: change_status(session, ticket, Status.CLOSED, actor=me)
    if action == "priority":
        priority = Priority(form.priority.data)
        return lambda session, ticket, me: set_priority(session, ticket, priority, actor=me)
    value = form.catalog.data or ""
    return lambda session, ticket, me: set_catalog(session, ticket, catalog_entry(session, value), actor=me)


def apply_to_each(numbers: list[int], change: Change) -> tuple[list[str], list[str]]:
    """Change every ticket in its own savepoint; (the changed references, the refusals)."""
    done: list[str] = []
    refused: list[str] = []
    with writing() as (session, me):
        for number in sorted(set(numbers)):
            ticket = session.get(Ticket, number)
            if ticket is None or not decide(session, me, Action.WORK, ticket, surface=Surface.PANEL):
                refused.append(f"#{number}: no such ticket")
                continue
            try:
                with session.begin_nested():
                    change(session, ticket, me)
            except DomainError as error:
                refused.append(f"{ticket.reference}: {error}")
            else:
                done.append(ticket.reference)
    return done, refused


@bp.post("/tickets/bulk")
def bulk() -> ResponseReturnValue:
    session = get_session()
    form = bulk_form(staff_members(session), active_groups(session))
    back = safe_next(form.back.data) or url_for("admin.tickets")
    if not form.validate_on_submit():
        for errors in form.errors.values():
            flash(" ".join(errors), "error")
        return redirect(back, 303)
    done, refused = apply_to_each(form.ids.data or [], bulk_change(form))
    if done:
        flash(f"Updated {len(done)} ticket(s): {', '.join(done)}.", "success")
    for reason in refused:
        flash(f"Not changed: {reason}", "error")
    return redirect(back, 303)
