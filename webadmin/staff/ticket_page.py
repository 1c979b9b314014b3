"""One ticket: the conversation, the people (and the organization and contract it is filed
under), the links, the history, and its action forms."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import render_template
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from wtforms import SelectChoice

from core.models import (
    Contract,
    LinkKind,
    Message,
    Organization,
    Ticket,
    TicketEvent,
    TicketLink,
    utcnow,
)
from core.permissions import Action
from core.sla.readings import read_targets
from core.sla.services import offered_services
from core.status import TRANSITIONS
from webadmin.db import get_session
from webadmin.forms import (
    STATUS_CHOICES,
    AssignForm,
    CategoryForm,
    LinkForm,
    MergeForm,
    MessageForm,
    PriorityForm,
    ServiceForm,
    SlaTickForm,
    StatusForm,
    WatcherForm,
)
from webadmin.staff import bp
from webadmin.staff.attachments import mail_html
from webadmin.staff.common import (
    active_groups,
    catalog_choices,
    catalog_value,
    permitted,
    staff_choices,
    staff_members,
)

FORMS: dict[str, type[FlaskForm]] = {
    "reply": MessageForm,
    "assign": AssignForm,
    "status": StatusForm,
    "priority": PriorityForm,
    "category": CategoryForm,
    "watcher": WatcherForm,
    "link": LinkForm,
    "merge": MergeForm,
    "service": ServiceForm,
    "sla": SlaTickForm,
}
"""Each action form by its prefix, which is also the name of its slot in the page."""

OUTGOING = {LinkKind.RELATED: "Related to", LinkKind.FOLLOW_UP: "Follow-up of", LinkKind.MERGED_INTO: "Merged into"}
INCOMING = {LinkKind.RELATED: "Related to", LinkKind.FOLLOW_UP: "Followed up in", LinkKind.MERGED_INTO: "Merged from"}


@dataclass(frozen=True, slots=True)
class ShownMessage:
    message: Message
    html: Any


@dataclass(frozen=True, slots=True)
class LinkedTicket:
    label: str
    ticket: Ticket


def load_ticket(session: Session, number: int) -> Ticket:
    """The ticket with everything its page shows loaded up front, or 404."""
    found = session.get(
        Ticket,
        number,
        options=[
            selectinload(Ticket.messages).selectinload(Message.attachments),
            selectinload(Ticket.messages).selectinload(Message.author),
            selectinload(Ticket.events).selectinload(TicketEvent.actor),
            selectinload(Ticket.watchers),
        ],
    )
    return permitted(session, found, Action.VIEW)


def linked_tickets(session: Session, ticket: Ticket) -> list[LinkedTicket]:
    """Links in both directions, each labelled from this ticket's side."""
    outgoing = session.execute(
        select(TicketLink.kind, Ticket).join(Ticket, Ticket.id == TicketLink.other_id).where(TicketLink.ticket_id == ticket.id)
    ).all()
    incoming = session.execute(
        select(TicketLink.kind, Ticket).join(Ticket, Ticket.id == TicketLink.ticket_id).where(TicketLink.other_id == ticket.id)
    ).all()
    return [
        *(LinkedTicket(OUTGOING[kind], other) for kind, other in outgoing),
        *(LinkedTicket(INCOMING[kind], other) for kind, other in incoming),
    ]


@dataclass(frozen=True, slots=True)
class FiledUnder:
    """The organization and contract a ticket was filed under (core.placement), if any."""

    organization: Organization | None
    contract: Contract | None


def filed_under(session: Session, ticket: Ticket) -> FiledUnder:
    organization = session.get(Organization, ticket.organization_id) if ticket.organization_id is not None else None
    contract = session.get(Contract, ticket.contract_id) if ticket.contract_id is not None else None
    return FiledUnder(organization, contract)


def action_form(session: Session, ticket: Ticket, prefix: str, *, fresh: bool) -> FlaskForm:
    """The action form `prefix` with its choices for this ticket; `fresh` shows the ticket's
    current values, else the form reads the submitted request."""
    defaults = {
        "assign": {"assignee": str(ticket.assignee_id or "")},
        "status": {"status": ticket.status.value},
        "priority": {"priority": ticket.priority.value},
        "category": {"catalog": catalog_value(ticket.group, ticket.category, ticket.subcategory)},
        "service": {"service": str(ticket.service_id or "")},
    }
    form_class = FORMS[prefix]
    form = form_class(formdata=None, prefix=prefix, data=defaults.get(prefix)) if fresh else form_class(prefix=prefix)
    if isinstance(form, AssignForm):
        form.assignee.choices = staff_choices(staff_members(session), none_label="Unassigned")
    elif isinstance(form, StatusForm):
        allowed = {ticket.status, *TRANSITIONS[ticket.status]}
        form.status.choices = [choice for choice in STATUS_CHOICES if choice.value in allowed]
    elif isinstance(form, CategoryForm):
        form.catalog.choices = catalog_choices(active_groups(session), none_label="No category", subcategories=True)
    elif isinstance(form, ServiceForm):
        offered = offered_services(session, ticket.service)
        form.service.choices = [SelectChoice("", "None"), *(SelectChoice(str(item.id), item.name) for item in offered)]
    return form


def render_ticket(number: int, failed: tuple[str, FlaskForm] | None = None) -> ResponseReturnValue:
    """The page; with `failed` (prefix, form), that form is shown as submitted, with its
    errors, and the answer is a 400 so that nothing mistakes it for a success."""
    session = get_session()
    ticket = load_ticket(session, number)
    forms = {prefix: action_form(session, ticket, prefix, fresh=True) for prefix in FORMS}
    if failed is not None:
        forms[failed[0]] = failed[1]
    page = render_template(
        "admin/ticket.html",
        ticket=ticket,
        messages=[ShownMessage(message, mail_html(message)) for message in ticket.messages],
        links=linked_tickets(session, ticket),
        filed=filed_under(session, ticket),
        forms=forms,
        sla=read_targets(ticket, utcnow()),
    )
    return page, 400 if failed is not None else 200


@bp.route("/tickets/<int:number>")
def ticket(number: int) -> ResponseReturnValue:
    return render_ticket(number)
