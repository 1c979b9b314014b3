"""Rules and routing decisions in words, for the list and the dry runs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.catalog import resolve_path
from core.errors import DomainError
from core.models import Group
from core.rules.actions import Decision
from core.rules.assignment import least_loaded, round_robin
from core.rules.spec import ActionSpec, ConditionSpec
from webadmin.rules_editor.fields import OPERATOR_LABELS


def _words(kind: str) -> str:
    return kind.replace("_", " ")


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def _match(params: dict[str, Any]) -> str:
    op = str(params.get("op", "equals"))
    case = "" if params.get("ignore_case", True) else " (case-sensitive)"
    return f"{OPERATOR_LABELS.get(op, op)} “{_value(params.get('value', ''))}”{case}"


def condition_text(condition: ConditionSpec) -> str:
    """`subject contains “vpn”`, `not sender domain equals “x.example”`, `header List-Id ...`."""
    params = dict(condition.params)
    if "op" in params or "value" in params:
        header = f" {params.pop('header')}" if "header" in params else ""
        text = f"{_words(condition.kind)}{header} {_match(params)}"
    else:
        text = " ".join([_words(condition.kind), *(f"{_words(k)}={_value(v)}" for k, v in params.items())])
    return f"not {text}" if condition.negate else text


def action_text(action: ActionSpec) -> str:
    """`set category HR/Payroll`, `assign group IT, round_robin`, `spam`."""
    values = ", ".join(_value(value) for value in action.params.values())
    return f"{_words(action.kind)} {values}".strip()


def _category(session: Session, path: str | None) -> str:
    if not path:
        return "none from the rules (an address route, if any, applies)"
    try:
        resolve_path(session, path)
    except DomainError as error:
        return f"{path}: {error}, so routing would add a note for staff instead"
    return path


def _assignee(session: Session, decision: Decision) -> str:
    if decision.assign_agent:
        return decision.assign_agent
    if not decision.assign_group:
        return "nobody"
    group = session.scalar(select(Group).where(Group.name == decision.assign_group))
    how = "round robin" if decision.assign_strategy == "round_robin" else "the least loaded"
    if group is None:
        return f"an agent of {decision.assign_group} ({how}), but there is no such group"
    pick = (round_robin if decision.assign_strategy == "round_robin" else least_loaded)(session, group)
    return f"an agent of {group.name} ({how}): now {pick.email if pick else 'nobody, the group has no agents'}"


def decision_lines(session: Session, decision: Decision) -> list[tuple[str, str]]:
    """What the new ticket would become, as (what, how) lines. Reads, never writes."""
    if decision.spam_by or decision.ignored_by:
        how = f"marked as spam by {decision.spam_by}" if decision.spam_by else f"ignored by {decision.ignored_by}"
        return [("Ticket", f"none: the mail is {how} and logged as rejected")]
    return [
        ("Category", _category(session, decision.category_path)),
        ("Priority", decision.priority.value if decision.priority else "medium (the default)"),
        ("Assignee", _assignee(session, decision)),
        ("Watchers", ", ".join(decision.watchers) or "—"),
        ("Tags", ", ".join(decision.tags) or "—"),
        ("Auto-replies", ", ".join(decision.auto_replies) or "—"),
    ]
