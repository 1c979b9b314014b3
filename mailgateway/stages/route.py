"""Where a new ticket goes. Today: the recipient address mapping; the rules engine plugs in here."""

from __future__ import annotations

from sqlalchemy import select

from core.catalog import CatalogEntry
from core.models import RecipientRoute
from mailgateway.pipeline import Intake


def _recipients(intake: Intake) -> list[str]:
    parsed = intake.parsed
    return list(dict.fromkeys(a.lower() for a in (*intake.mail.envelope_to, *parsed.to, *parsed.cc)))


def route_new_ticket(intake: Intake) -> None:
    if intake.ticket is not None:
        return
    recipients = _recipients(intake)
    if not recipients:
        return
    routes = {
        route.address: route
        for route in intake.session.scalars(select(RecipientRoute).where(RecipientRoute.address.in_(recipients)))
    }
    for address in recipients:
        route = routes.get(address)
        if route is not None:
            intake.catalog = CatalogEntry(route.group, route.category)
            intake.row.rule_hits += f"recipient_route: {address} -> {intake.catalog.path}\n"
            return
