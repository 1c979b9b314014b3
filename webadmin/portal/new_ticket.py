"""A new request from the form, opened by core.portal_intake like a mail to the support address.

Every check runs before anything is stored: the form's own (files, lengths, choices) and the
service's (title, description, priority, watchers), shown together next to their fields with
what was typed kept. Only then are the files stored and the ticket opened in one unit of
work; a refusal there (a rule that drops the request) rolls all of it back."""

from __future__ import annotations

from dataclasses import replace

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from wtforms import SelectChoice

from core.catalog import resolve_path
from core.contracts import offered_entries
from core.errors import NotFound
from core.models import Priority
from core.portal_intake import (
    PortalRequest,
    RequestInvalid,
    RequestRefused,
    WatcherPolicy,
    active_entries,
    open_from_portal,
    parse_watchers,
    request_errors,
)
from webadmin.auth import signed_in_user
from webadmin.db import get_runtime, get_session
from webadmin.portal import bp
from webadmin.portal.forms import NewTicketForm
from webadmin.portal.uploads import store_uploads
from webadmin.staff.common import writing

NO_CATEGORY = "Not sure: let the helpdesk decide"


def _policy() -> WatcherPolicy:
    settings = get_runtime().settings
    return WatcherPolicy(settings.watcher_domains, frozenset(settings.support_addresses))


def _catalog_choices() -> list[SelectChoice]:
    """Each entry the requester may choose (every active one, or what their organization's
    contracts cover) by its path (`IT/Hardware`), shown as `IT / Hardware`: portal.js splits
    these labels into the group, category and subcategory selects."""
    session = get_session()
    entries = offered_entries(session, signed_in_user(), active_entries(session))
    return [SelectChoice("", NO_CATEGORY), *(SelectChoice(e.path, e.path.replace("/", " / ")) for e in entries)]


def _request(form: NewTicketForm) -> PortalRequest:
    """The form as the service reads it, before files are stored and the category is looked up.
    A priority that is not a choice at all is the select's error; the service sees the default."""
    try:
        priority = Priority(form.priority.data)
    except ValueError:
        priority = Priority.MEDIUM
    return PortalRequest(
        title=form.title.data or "",
        description=form.description.data or "",
        priority=priority,
        watchers=parse_watchers(form.watchers.data or ""),
    )


def _show(form: NewTicketForm, problem: str | None = None) -> ResponseReturnValue:
    """The form; after a failed submit, with its errors (and `problem`, for the whole form) as a 400."""
    page = render_template("portal/new_ticket.html", form=form, problem=problem)
    return page, 400 if form.is_submitted() else 200


def _add_errors(form: NewTicketForm, errors: dict[str, str]) -> bool:
    """Put the service's errors next to fields the form's own checks passed; True if any field has one."""
    for name, message in errors.items():
        if not form[name].errors:
            form[name].errors.append(message)
    return any(field.errors for field in form)


@bp.route("/new", methods=["GET", "POST"])
def new_ticket() -> ResponseReturnValue:
    form = NewTicketForm()
    form.catalog.choices = _catalog_choices()
    if not form.is_submitted():
        return _show(form)
    form.validate()
    if _add_errors(form, request_errors(signed_in_user(), _request(form), _policy())):
        return _show(form)
    attachments = store_uploads(get_runtime().blobs, form.files.data or [])
    try:
        with writing() as (session, me):
            catalog = resolve_path(session, form.catalog.data) if form.catalog.data else None
            wanted = replace(_request(form), catalog=catalog, attachments=attachments)
            support = get_runtime().settings.support_address
            ticket = open_from_portal(session, me, wanted, _policy(), support_address=support)
            reference, number = ticket.reference, ticket.id
    except NotFound as gone:
        _add_errors(form, {"catalog": f"{gone}; choose another."})
        return _show(form)
    except RequestInvalid as refused:
        _add_errors(form, refused.errors)
        return _show(form)
    except RequestRefused as refused:
        return _show(form, str(refused))
    flash(f"Thank you: your request is {reference}. We have mailed you a confirmation.", "success")
    return redirect(url_for("portal.ticket", number=number), 303)
