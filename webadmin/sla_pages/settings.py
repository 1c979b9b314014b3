"""The affected-service catalog (add, rename, deactivate, delete an unused one) and the
statuses that pause the SLA clocks."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from core.db import unit_of_work
from core.errors import DomainError
from core.models import Service, Status
from core.sla.pausing import ALWAYS_PAUSED, marked_pausing, set_pausing
from core.sla.services import add_service, delete_service, list_services, rename_service
from webadmin.actions import action
from webadmin.db import get_or_404, get_runtime, get_session
from webadmin.sla_pages import bp
from webadmin.sla_pages.forms import PausingForm, ServiceForm
from webadmin.sla_pages.saving import form_page


def _services_page(form: ServiceForm) -> ResponseReturnValue:
    return form_page(render_template("admin/sla_services.html", services=list_services(get_session()), form=form), form)


@bp.route("/services", methods=["GET", "POST"])
def services() -> ResponseReturnValue:
    """The list, and (POST) adding one; a refusal is shown next to the name."""
    form = ServiceForm()
    if not form.is_submitted() or not form.validate():
        return _services_page(form)
    try:
        with unit_of_work(get_runtime().sessions) as session:
            name = add_service(session, form.name.data or "").name
    except DomainError as refused:
        form.name.errors = [*form.name.errors, str(refused)]
        return _services_page(form)
    flash(f"Service “{name}” added.", "success")
    return redirect(url_for("sla.services"), 303)



@bp.post("/services/<int:service_id>/rename")
def rename(service_id: int) -> ResponseReturnValue:
    with action("Renamed.") as session:
        rename_service(session, get_or_404(session, Service, service_id), request.form.get("name", ""))
    return redirect(url_for("sla.services"), 303)


@bp.post("/services/<int:service_id>/active")
def set_active(service_id: int) -> ResponseReturnValue:
    """A deactivated service stays on its tickets and policies but is not offered any more."""
    active = request.form.get("active") == "1"
    with action("Activated." if active else "Deactivated.") as session:
        get_or_404(session, Service, service_id).active = active
    return redirect(url_for("sla.services"), 303)


@bp.post("/services/<int:service_id>/delete")
def delete_service_page(service_id: int) -> ResponseReturnValue:
    with action("Deleted.") as session:
        delete_service(session, get_or_404(session, Service, service_id))
    return redirect(url_for("sla.services"), 303)


@bp.route("/pausing", methods=["GET", "POST"])
def pausing() -> ResponseReturnValue:
    form = PausingForm(data={"statuses": sorted(status.value for status in marked_pausing(get_session()))})
    if form.validate_on_submit():
        with unit_of_work(get_runtime().sessions) as session:
            set_pausing(session, (Status(value) for value in form.statuses.data or []))
        flash("Saved: tickets pause and resume by these statuses from their next status change on.", "success")
        return redirect(url_for("sla.pausing"), 303)
    return form_page(render_template("admin/sla_pausing.html", form=form, always=sorted(ALWAYS_PAUSED)), form)
