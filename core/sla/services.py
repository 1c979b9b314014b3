"""The affected-software-or-service catalog: a flat list admins keep, which tickets may name
and SLA policies may be specific to. Like the catalog, an entry in use is deactivated (no
longer offered) rather than deleted, so no ticket loses it."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import InvalidInput
from core.models import Service, SlaPolicy, Ticket
from core.sla.refusals import check_name


def list_services(session: Session) -> list[Service]:
    return list(session.scalars(select(Service).order_by(Service.active.desc(), Service.name)))


def offered_services(session: Session, current: Service | None = None) -> list[Service]:
    """The active services, plus `current` (a ticket's own, even if deactivated since)."""
    active = list(session.scalars(select(Service).where(Service.active.is_(True)).order_by(Service.name)))
    return active if current is None or current in active else [*active, current]


def _clean(session: Session, name: str, service: Service | None) -> str:
    cleaned = " ".join(name.split())
    check_name(session, Service, service.id if service else None, cleaned, "service")
    return cleaned


def add_service(session: Session, name: str) -> Service:
    service = Service(name=_clean(session, name, None))
    session.add(service)
    session.flush()
    return service


def rename_service(session: Session, service: Service, name: str) -> None:
    service.name = _clean(session, name, service)
    session.flush()


def usage(session: Session, service: Service) -> tuple[int, int]:
    """(tickets, policies) that name the service."""
    tickets = session.scalar(select(func.count()).select_from(Ticket).where(Ticket.service_id == service.id)) or 0
    policies = session.scalar(select(func.count()).select_from(SlaPolicy).where(SlaPolicy.service_id == service.id)) or 0
    return tickets, policies


def delete_service(session: Session, service: Service) -> None:
    tickets, policies = usage(session, service)
    if tickets or policies:
        raise InvalidInput(f"{service.name!r} is named by {tickets} ticket(s) and {policies} polic(ies); deactivate it instead")
    session.delete(service)
    session.flush()
