"""The SLA actions on a ticket page: the affected service, and the explicit "workaround
provided" / "resolved" ticks that record those targets (core.sla.ticks). Both take the same
path as every other ticket action (webadmin.staff.ticket_actions.act): checked form, one unit
of work, a refusal shown next to the form on the page, else a flash and a redirect."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from core.models import Service, SlaTarget, Ticket, User
from core.sla.durations import format_span
from core.sla.ticks import record_target
from core.tickets import set_service
from webadmin.staff import bp
from webadmin.staff.ticket_actions import Run, act


def _service(form: Any) -> Run:
    def run(session: Session, ticket: Ticket, me: User) -> str:
        service = session.get(Service, int(form.service.data)) if form.service.data else None
        set_service(session, ticket, service, actor=me)
        return f"Affected service: {service.name}." if service else "No affected service now."

    return run


def _tick(form: Any) -> Run:
    def run(session: Session, ticket: Ticket, me: User) -> str:
        clock = record_target(session, ticket, SlaTarget(form.target.data), actor=me)
        recorded = format_span(timedelta(seconds=clock.met_business_seconds or 0))
        return f"{clock.target.label} recorded after {recorded} of business time."

    return run


@bp.post("/tickets/<int:number>/service")
def ticket_service(number: int) -> ResponseReturnValue:
    return act(number, "service", "service", _service)


@bp.post("/tickets/<int:number>/sla")
def record_sla_target(number: int) -> ResponseReturnValue:
    """Tick "workaround provided" or "resolved" (the status is a separate matter)."""
    return act(number, "sla", "target", _tick)
