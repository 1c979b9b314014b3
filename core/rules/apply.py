"""Act on a routing decision through the ticket services, and record which rules fired.

A part of the decision that cannot be carried out (a catalog path or agent that no longer
exists) becomes a system note on the ticket for staff, not a failed intake."""

from __future__ import annotations

from collections.abc import Callable

from jinja2 import TemplateNotFound
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.catalog import CatalogEntry, resolve_path
from core.errors import DomainError
from core.models import Group, MessageKind, Priority, Ticket, TicketTag, User
from core.notify.enqueue import enqueue
from core.notify.identity import identity_of
from core.rules.actions import Decision
from core.rules.assignment import least_loaded, round_robin
from core.rules.engine import Evaluation
from core.tickets import MessageBody, add_message, add_watcher, assign, record_event, set_catalog, set_priority
from core.users import find_user, mail_user


def _assignee(session: Session, decision: Decision) -> User | None:
    if decision.assign_agent:
        user = find_user(session, decision.assign_agent)
        if user is None or not user.is_staff:
            raise DomainError(f"agent {decision.assign_agent} is not a staff member")
        return user
    if decision.assign_group:
        group = session.scalar(select(Group).where(Group.name == decision.assign_group))
        if group is None:
            raise DomainError(f"no group {decision.assign_group!r}")
        pick = round_robin if decision.assign_strategy == "round_robin" else least_loaded
        return pick(session, group)
    return None


Step = tuple[str, Callable[[], object]]


def _steps(session: Session, ticket: Ticket, decision: Decision) -> list[Step]:
    """Each part of the decision as a named step, run one by one so one failure spares the rest."""
    steps: list[Step] = []
    if decision.category_path:
        steps.append(("category", lambda: set_catalog(session, ticket, resolve_path(session, decision.category_path or ""), actor=None)))
    if decision.priority:
        steps.append(("priority", lambda: set_priority(session, ticket, decision.priority, actor=None)))  # type: ignore[arg-type]
    if decision.assign_agent or decision.assign_group:
        steps.append(("assignee", lambda: assign(session, ticket, _assignee(session, decision), actor=None)))
    for email in decision.watchers:
        steps.append(("watcher", lambda email=email: add_watcher(session, ticket, mail_user(session, email), actor=None)))
    for tag in decision.tags:
        steps.append(("tag", lambda tag=tag: _tag(session, ticket, tag)))
    return steps


def _tag(session: Session, ticket: Ticket, tag: str) -> None:
    if session.get(TicketTag, (ticket.id, tag)) is None:
        session.add(TicketTag(ticket_id=ticket.id, tag=tag))
        record_event(session, ticket, None, "tag", None, tag)


def initial_placement(
    session: Session, evaluation: Evaluation | None, fallback: CatalogEntry | None
) -> tuple[CatalogEntry | None, Priority]:
    """Catalog entry and priority to open the ticket with, so that the new-ticket mail goes to
    the right group; a path that does not resolve is reported later by apply_routing."""
    decision = evaluation.decision if evaluation else Decision()
    entry = fallback
    if decision.category_path:
        try:
            entry = resolve_path(session, decision.category_path)
        except DomainError:
            pass
    return entry, decision.priority or Priority.MEDIUM


def apply_routing(session: Session, ticket: Ticket, evaluation: Evaluation, *, may_auto_reply: bool) -> None:
    for hit in evaluation.hits:
        record_event(session, ticket, None, "rule", None, hit.rule)
    problems = [f"rule failed: {rule}: {error}" for rule, error in evaluation.errors]
    for name, step in _steps(session, ticket, evaluation.decision):
        try:
            with session.begin_nested():
                step()
        except DomainError as error:
            problems.append(f"routing could not set the {name}: {error}")
    if may_auto_reply:
        problems += _auto_replies(session, ticket, evaluation.decision)
    if problems:
        add_message(session, ticket, author=None, kind=MessageKind.SYSTEM, body=MessageBody(text="\n".join(problems)))


def _auto_replies(session: Session, ticket: Ticket, decision: Decision) -> list[str]:
    """Send the rules' auto-reply templates (throttle and suppression apply); name the missing ones."""
    identity = identity_of(session)
    problems = []
    for template in decision.auto_replies if identity else []:
        try:
            enqueue(session, identity, ticket=ticket, template=template, recipient=ticket.requester, automatic=True)
        except TemplateNotFound:
            problems.append(f"routing could not send the auto-reply: no template {template!r}")
    return problems
