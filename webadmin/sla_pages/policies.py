"""SLA policies: the list (`/admin/sla/`), a new one, editing one, deleting an unused one."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.catalog import CatalogEntry
from core.models import Priority, Service, SlaCalendar, SlaPolicy, Ticket
from core.sla.durations import format_minutes, parse_minutes
from core.sla.policies import (
    PolicyFields,
    delete_policy,
    describe,
    list_policies,
    save_policy,
)
from core.sla.refusals import FieldRefused
from webadmin.actions import action
from webadmin.db import get_or_404, get_session
from webadmin.sla_pages import bp
from webadmin.sla_pages.choices import calendar_choices, entry_choices, service_choices
from webadmin.sla_pages.forms import PolicyForm
from webadmin.sla_pages.saving import form_page, save_form
from webadmin.staff.common import catalog_entry, catalog_value


@bp.route("/")
def policies() -> ResponseReturnValue:
    session = get_session()
    counted = select(Ticket.sla_policy_id, func.count()).where(Ticket.sla_policy_id.is_not(None)).group_by(Ticket.sla_policy_id)
    used: dict[int, int] = {policy_id: count for policy_id, count in session.execute(counted)}
    return render_template(
        "admin/sla_policies.html", policies=list_policies(session), describe=describe, used=used, minutes=format_minutes
    )



def _form(session: Session, policy: SlaPolicy | None) -> PolicyForm:
    """The form, filled from the request on a POST, else from `policy` (or the defaults)."""
    if policy is None:
        form = PolicyForm()
    else:
        form = PolicyForm(data={
            "name": policy.name, "entry": catalog_value(policy.group, policy.category, policy.subcategory),
            "service": str(policy.service_id or ""), "priority": policy.priority.value if policy.priority else "",
            "first_response": format_minutes(policy.first_response_minutes), "workaround": format_minutes(policy.workaround_minutes),
            "resolution": format_minutes(policy.resolution_minutes), "calendar": str(policy.calendar_id),
            "warn_percent": policy.warn_percent, "active": policy.active, "contract_only": policy.contract_only,
        })  # fmt: skip
    current = None if policy is None else (
        catalog_value(policy.group, policy.category, policy.subcategory),
        CatalogEntry(policy.group, policy.category, policy.subcategory).path,
    )
    form.entry.choices = entry_choices(session, current, none_label="Choose…")
    form.service.choices = service_choices(session, policy.service if policy else None, none_label="Any service")
    form.calendar.choices = calendar_choices(session)
    return form


def _fields(session: Session, form: PolicyForm) -> PolicyFields:
    entry: CatalogEntry | None = catalog_entry(session, form.entry.data or "")
    calendar = session.get(SlaCalendar, int(form.calendar.data or 0))
    if entry is None or calendar is None:
        raise FieldRefused("entry" if entry is None else "calendar", "choose one")
    return PolicyFields(
        name=" ".join((form.name.data or "").split()), entry=entry, calendar=calendar,
        service=session.get(Service, int(form.service.data)) if form.service.data else None,
        priority=Priority(form.priority.data) if form.priority.data else None,
        first_response_minutes=parse_minutes(form.first_response.data or ""),
        workaround_minutes=parse_minutes(form.workaround.data or ""),
        resolution_minutes=parse_minutes(form.resolution.data or ""),
        warn_percent=form.warn_percent.data or 0, active=form.active.data, contract_only=form.contract_only.data,
    )  # fmt: skip


def _save(policy_id: int | None) -> ResponseReturnValue:
    session = get_session()
    policy = get_or_404(session, SlaPolicy, policy_id) if policy_id is not None else None
    form = _form(session, policy)

    def save(writer: Session) -> str:
        return save_policy(writer, get_or_404(writer, SlaPolicy, policy_id) if policy_id is not None else None, _fields(writer, form)).name

    def page() -> ResponseReturnValue:
        return form_page(render_template("admin/sla_policy_form.html", form=form, policy=policy), form)

    return save_form(form, page, save, "Policy “{name}” saved.", url_for("sla.policies"))


@bp.route("/policies/new", methods=["GET", "POST"])
def new_policy() -> ResponseReturnValue:
    return _save(None)


@bp.route("/policies/<int:policy_id>", methods=["GET", "POST"])
def policy(policy_id: int) -> ResponseReturnValue:
    return _save(policy_id)


@bp.post("/policies/<int:policy_id>/delete")
def delete(policy_id: int) -> ResponseReturnValue:
    with action("Policy deleted.") as session:
        delete_policy(session, get_or_404(session, SlaPolicy, policy_id))
    return redirect(url_for("sla.policies"), 303)
