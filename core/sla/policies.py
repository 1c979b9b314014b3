"""SLA policies as admins keep them: saving with its checks, deleting, and the preview "a
ticket opened now here would be due at ...".

A contract-only policy (`SlaPolicy.contract_only`) takes no part in the catalog's choice
(`policy_for`, and so the preview and the reselection): only a contract that names it brings
it to a ticket (core.contracts.contract_policy). Its catalog keys then only describe it, and
it may share them with a catalog policy.

A policy's edit applies to tickets whose policy is selected from then on (a new ticket, or a
change of category, service or priority); the clocks of other tickets keep the targets they
were given, so a ticket's record never changes behind its back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from core.catalog import CatalogEntry
from core.errors import InvalidInput
from core.models import Priority, Service, SlaCalendar, SlaPolicy, SlaTarget, Ticket
from core.sla.calendar import due_at
from core.sla.calendars import business_calendar
from core.sla.refusals import FieldRefused, check_name
from core.sla.selection import TicketKeys, choose_policy, specificity


@dataclass(frozen=True)
class PolicyFields:
    name: str
    entry: CatalogEntry
    calendar: SlaCalendar
    service: Service | None = None
    priority: Priority | None = None
    first_response_minutes: int | None = None
    workaround_minutes: int | None = None
    resolution_minutes: int | None = None
    warn_percent: int = 75
    active: bool = True
    contract_only: bool = False


def describe(policy: SlaPolicy) -> str:
    """`IT/Hardware, service Mail, priority high`: what the policy applies to."""
    path = CatalogEntry(policy.group, policy.category, policy.subcategory).path
    service = policy.service.name if policy.service else "any service"
    priority = f"priority {policy.priority.value}" if policy.priority else "any priority"
    return f"{path}, {service}, {priority}"


def _same_keys(session: Session, fields: PolicyFields) -> list[SlaPolicy]:
    entry = fields.entry
    return list(session.scalars(select(SlaPolicy).where(
        SlaPolicy.active.is_(True),
        SlaPolicy.contract_only.is_(False),
        SlaPolicy.group_id == entry.group.id,
        SlaPolicy.category_id.is_(None) if entry.category is None else SlaPolicy.category_id == entry.category.id,
        SlaPolicy.subcategory_id.is_(None) if entry.subcategory is None else SlaPolicy.subcategory_id == entry.subcategory.id,
        SlaPolicy.service_id.is_(None) if fields.service is None else SlaPolicy.service_id == fields.service.id,
        SlaPolicy.priority.is_(None) if fields.priority is None else SlaPolicy.priority == fields.priority,
    )))  # fmt: skip


def _check(session: Session, policy: SlaPolicy | None, fields: PolicyFields) -> None:
    check_name(session, SlaPolicy, policy.id if policy else None, fields.name, "policy")
    targets = (fields.first_response_minutes, fields.workaround_minutes, fields.resolution_minutes)
    if all(minutes is None for minutes in targets):
        raise FieldRefused("first_response", "give at least one target")
    if not 1 <= fields.warn_percent <= 99:
        raise FieldRefused("warn_percent", "the warning comes at 1 to 99 percent of a target")
    if fields.active and not fields.contract_only:
        others = [other for other in _same_keys(session, fields) if policy is None or other.id != policy.id]
        if others:
            raise FieldRefused("entry", f"the active policy {others[0].name!r} covers exactly these tickets already")


def save_policy(session: Session, policy: SlaPolicy | None, fields: PolicyFields) -> SlaPolicy:
    """Create (policy None) or change a policy; FieldRefused names the field that is wrong."""
    _check(session, policy, fields)
    if policy is None:
        policy = SlaPolicy(name=fields.name, group=fields.entry.group, calendar=fields.calendar)
        session.add(policy)
    policy.name, policy.active, policy.calendar = fields.name, fields.active, fields.calendar
    policy.contract_only = fields.contract_only
    policy.group, policy.category, policy.subcategory = fields.entry.group, fields.entry.category, fields.entry.subcategory
    policy.service, policy.priority, policy.warn_percent = fields.service, fields.priority, fields.warn_percent
    policy.first_response_minutes = fields.first_response_minutes
    policy.workaround_minutes = fields.workaround_minutes
    policy.resolution_minutes = fields.resolution_minutes
    session.flush()
    return policy


def delete_policy(session: Session, policy: SlaPolicy) -> None:
    """Only a policy no ticket has: one in use is deactivated instead, so its tickets keep it."""
    used = session.scalar(select(func.count()).select_from(Ticket).where(Ticket.sla_policy_id == policy.id)) or 0
    if used:
        raise InvalidInput(f"{used} ticket(s) have the policy {policy.name!r}; deactivate it instead")
    session.delete(policy)
    session.flush()


def list_policies(session: Session) -> list[SlaPolicy]:
    """Active first, then the most specific first within a group, as selection weighs them."""
    policies = list(session.scalars(select(SlaPolicy)))
    return sorted(policies, key=lambda p: (not p.active, p.group.name, tuple(-part for part in specificity(p)), p.name))


def policy_for(session: Session, keys: TicketKeys) -> SlaPolicy | None:
    """The active policy the catalog gives a ticket with these keys (core.sla.selection), or
    None. Contract-only policies are not candidates, however specific their keys."""
    if keys.group_id is None:
        return None
    query = (
        select(SlaPolicy)
        .where(SlaPolicy.active.is_(True), SlaPolicy.contract_only.is_(False), SlaPolicy.group_id == keys.group_id)
        .options(selectinload(SlaPolicy.calendar).selectinload(SlaCalendar.hours),
                 selectinload(SlaPolicy.calendar).selectinload(SlaCalendar.holidays))
    )  # fmt: skip
    return choose_policy(session.scalars(query), keys)


@dataclass(frozen=True)
class Preview:
    policy: SlaPolicy | None
    due: dict[SlaTarget, datetime | None]
    """Each target the policy sets -> when it would be due (None: not within the horizon)."""


def preview(session: Session, keys: TicketKeys, opened: datetime) -> Preview:
    """The policy a ticket with these keys would get if opened at `opened`, and its due times."""
    policy = policy_for(session, keys)
    if policy is None:
        return Preview(None, {})
    calendar = business_calendar(policy.calendar)
    due = {target: due_at(calendar, opened, timedelta(minutes=minutes)) for target, minutes in policy.target_minutes().items()}
    return Preview(policy, due)
