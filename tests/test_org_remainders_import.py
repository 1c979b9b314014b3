"""Imported tickets are filed under their requester's organization and contract by the mail
intake's rule (core.placement), as of the day each was created, on SQLite and PostgreSQL; the
dry run still writes nothing, and nothing is mailed.

The world: the catalog IT (Hardware) and Facilities; Acme (acme.example), whose contract
"Acme IT" covers the IT group from 2025-06-01; Acme Lab under it, with no contract of its own,
of which Lara is a member; Alice is a member of Acme, Dave only has an Acme address, Sid
belongs to no organization."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from core.catalog import add_path, resolve_path
from core.contracts import ContractTerms, save_contract
from core.db import unit_of_work
from core.importing.source import read_table
from core.importing.tickets import import_tickets
from core.models import Contract, Organization, OutboxMessage, Role, Ticket, TicketEvent
from core.organizations import add_member, add_organization, set_domains
from core.runtime import Runtime
from core.users import add_user

CSV = (
    "number,title,requester,category,created_at,status\n"
    "1,Alice's laptop,alice@acme.example,IT/Hardware,2025-06-02 09:00,new\n"
    "2,Dave's account,dave@acme.example,IT,2025-06-03 10:00,resolved\n"
    "3,Lara's printer,lara@acme.example,IT/Hardware,2025-06-03 11:00,new\n"
    "4,Alice's chair,alice@acme.example,Facilities,2025-06-04 12:00,new\n"
    "5,Alice before the contract,alice@acme.example,IT,2025-05-20 08:00,closed\n"
    "6,Sid's mouse,sid@nowhere.example,IT,2025-06-05 13:00,new\n"
)
EXPECTED = {
    1: ("Acme", "Acme IT"),  # a member, under the contract that covers the group
    2: ("Acme", "Acme IT"),  # by the mail domain
    3: ("Acme Lab", "Acme IT"),  # a member of the child, under its parent's contract
    4: ("Acme", None),  # Facilities: no contract covers it
    5: ("Acme", None),  # created before the contract began
    6: (None, None),  # no organization
}


@pytest.fixture
def acme(runtime: Runtime) -> Runtime:
    with unit_of_work(runtime.sessions) as session:
        for path in ("IT", "IT/Hardware", "Facilities"):
            add_path(session, path)
        people = {email: add_user(session, email, role=Role.CLIENT)
                  for email in ("alice@acme.example", "dave@acme.example", "lara@acme.example", "sid@nowhere.example")}  # fmt: skip
        acme = add_organization(session, "Acme")
        lab = add_organization(session, "Acme Lab", parent=acme)
        set_domains(session, acme, ["acme.example"])
        add_member(session, acme, people["alice@acme.example"])
        add_member(session, lab, people["lara@acme.example"])
        it = resolve_path(session, "IT").group
        save_contract(session, acme, ContractTerms("Acme IT", groups=(it,), valid_from=date(2025, 6, 1)))
    return runtime


def _import(runtime: Runtime, *, dry_run: bool) -> None:
    with unit_of_work(runtime.sessions) as session:
        report = import_tickets(session, read_table(CSV.encode(), "old.csv"), dry_run=dry_run)
        assert report.ok, report.problems


def _count(runtime: Runtime, model: type[Ticket | TicketEvent | OutboxMessage]) -> int:
    with runtime.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_the_dry_run_writes_nothing(acme: Runtime) -> None:
    _import(acme, dry_run=True)
    assert (_count(acme, Ticket), _count(acme, TicketEvent)) == (0, 0)


def test_imported_tickets_are_filed_as_of_their_creation(acme: Runtime) -> None:
    _import(acme, dry_run=False)
    with acme.sessions() as session:
        filed = {}
        for ticket in session.scalars(select(Ticket).order_by(Ticket.id)):
            organization = session.get(Organization, ticket.organization_id) if ticket.organization_id else None
            contract = session.get(Contract, ticket.contract_id) if ticket.contract_id else None
            filed[ticket.id] = (organization.name if organization else None, contract.name if contract else None)
            filing = {(event.field, event.new_value, event.created_at) for event in ticket.events
                      if event.field in ("organization", "contract")}  # fmt: skip
            names = zip(("organization", "contract"), filed[ticket.id], strict=True)
            assert filing == {(field, name, ticket.created_at) for field, name in names if name}, "dated at its creation"
            assert ticket.sla_policy_id is None and ticket.sla_clocks == [], "imported tickets get no SLA clocks"
    assert filed == EXPECTED
    assert _count(acme, OutboxMessage) == 0, "nothing is mailed"
