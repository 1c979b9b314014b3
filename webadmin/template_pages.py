"""The notification-template editor for admins: edit a mail's subject, text and HTML without a
deploy, preview it for a real ticket, or reset it to the shipped file.

An edit is saved only if it renders for a complete sample ticket (core.template_preview), so a
broken template is refused here instead of breaking the ticket change that would send it.
The previewed HTML is sanitised like mail HTML on a ticket page: the template is the admin's
own, but the ticket data in it came in by mail."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from core.db import unit_of_work
from core.errors import DomainError, InvalidInput
from core.mailtemplates import RenderedMail
from core.models import TemplatePart, Ticket
from core.template_overrides import effective, overridden_names, reset, save, shipped_names
from core.template_preview import check, preview, sample_ticket
from webadmin.access import admins_only
from webadmin.actions import action
from webadmin.db import get_runtime, get_session
from webadmin.page_html import page_html

bp = Blueprint("mail_templates", __name__, url_prefix="/admin/templates")
bp.before_request(admins_only)

PURPOSES = {
    "ticket_received": "To the requester, when their mail opened a ticket.",
    "staff_reply": "A staff member's public reply, to the requester and watchers.",
    "status_waiting_on_customer": "To the requester, when a ticket waits for their answer.",
    "status_resolved": "To the requester, when a ticket is resolved.",
    "status_closed": "To the requester, when a ticket is closed.",
    "ticket_merged": "To the requester, when their ticket is merged into another (instead of the closed mail).",
    "ticket_assigned": "To the staff member a ticket was assigned to.",
    "new_ticket_in_group": "To a group's members, when a new ticket arrives in the group.",
    "password_reset": "The link to set a new password (no ticket).",
    "sla_warning": "To the assignee (else the group's members), when a target's warning share has run.",
    "sla_breach": "To the group's leads (else the assignee), when a target is breached.",
}


@bp.route("")
def index() -> ResponseReturnValue:
    return render_template(
        "admin/templates.html", names=shipped_names(), purposes=PURPOSES, overridden=overridden_names(get_session())
    )


def _preview_ticket(number: int | None) -> tuple[Ticket, bool]:
    """The ticket asked for, else the newest one, else the in-memory sample (then True)."""
    session = get_session()
    if number is not None:
        found = session.get(Ticket, number)
        if found is None:
            abort(404, f"no ticket #{number}")
        return found, False
    newest = session.scalar(select(Ticket).order_by(Ticket.id.desc()).limit(1))
    return (newest, False) if newest is not None else (sample_ticket(), True)


def _page(
    name: str, parts: dict[TemplatePart, str], ticket_number: int | None, error: str | None = None
) -> ResponseReturnValue:
    ticket, is_sample = _preview_ticket(ticket_number)
    rendered: RenderedMail | None = None
    try:
        rendered = preview(get_runtime().mail_identity, name, parts, ticket)
    except InvalidInput as refused:
        error = error or str(refused)
    page = render_template(
        "admin/templates_edit.html", name=name, purpose=PURPOSES.get(name, ""), parts=parts,
        overridden=name in overridden_names(get_session()), ticket=ticket, is_sample=is_sample, rendered=rendered,
        html=page_html(rendered.html) if rendered and rendered.html else None, error=error,
    )
    return page, 400 if error else 200


def _check_name(name: str) -> None:
    if name not in shipped_names():
        abort(404)


@bp.route("/<name>")
def edit(name: str) -> ResponseReturnValue:
    """The parts in force now, previewed for `?ticket=N` (default: the newest ticket)."""
    _check_name(name)
    return _page(name, effective(get_session(), name), request.args.get("ticket", type=int))


@bp.route("/<name>", methods=["POST"])
def submit(name: str) -> ResponseReturnValue:
    """`action=preview` shows the form's text rendered, unsaved; `action=save` checks and stores it."""
    _check_name(name)
    parts = {part: request.form.get(part.value, "") for part in TemplatePart}
    ticket_number = request.form.get("ticket", type=int)
    if request.form.get("action") != "save":
        return _page(name, parts, ticket_number)
    try:
        check(get_runtime().mail_identity, name, parts)
        with unit_of_work(get_runtime().sessions) as session:
            save(session, name, parts)
    except DomainError as refused:
        return _page(name, parts, ticket_number, str(refused))
    flash("Template saved: the next mails use it.", "success")
    return redirect(url_for("mail_templates.edit", name=name, ticket=ticket_number))


@bp.route("/<name>/reset", methods=["POST"])
def reset_to_shipped(name: str) -> ResponseReturnValue:
    _check_name(name)
    with action("Back to the shipped template.") as session:
        reset(session, name)
    return redirect(url_for("mail_templates.edit", name=name))
