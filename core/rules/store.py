"""Rules in the database: load them in order, save one (validated), reorder, import, export."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from core.errors import InvalidInput, NotFound
from core.models import RoutingRule, utcnow
from core.rules.spec import MatchMode, RuleSpec
from core.rules.transfer import rule_from_document, to_document
from core.rules.validation import rule_errors


class RuleInvalid(InvalidInput):
    """A rule that cannot be saved; `errors` maps each field path to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = errors


def to_spec(row: RoutingRule) -> RuleSpec:
    item = {"name": row.name, "match": row.match_mode, "enabled": row.enabled, "stop": row.stop,
            "conditions": row.conditions, "actions": row.actions}
    return rule_from_document(item, row.position)


def load_rules(session: Session) -> list[RuleSpec]:
    rows = session.scalars(select(RoutingRule).order_by(RoutingRule.position, RoutingRule.id))
    return [to_spec(row) for row in rows]


def _write(row: RoutingRule, spec: RuleSpec) -> None:
    document = to_document([spec])[0]
    row.name = spec.name.strip()
    row.enabled = spec.enabled
    row.stop = spec.stop
    row.match_mode = MatchMode(spec.match).value
    row.conditions = document["conditions"]
    row.actions = document["actions"]
    row.updated_at = utcnow()


def _row(session: Session, rule_id: int) -> RoutingRule:
    row = session.get(RoutingRule, rule_id)
    if row is None:
        raise NotFound(f"no rule #{rule_id}")
    return row


def save_rule(session: Session, spec: RuleSpec, rule_id: int | None = None) -> RoutingRule:
    """Create (at the end of the list) or update a rule; RuleInvalid names each bad field."""
    errors = rule_errors(spec)
    clash = session.scalar(select(RoutingRule).where(RoutingRule.name == spec.name.strip()))
    if clash is not None and clash.id != rule_id:
        errors["name"] = "another rule has this name"
    if errors:
        raise RuleInvalid(errors)
    if rule_id is None:
        last = session.scalar(select(func.max(RoutingRule.position))) or 0
        row = RoutingRule(position=last + 1)
        session.add(row)
    else:
        row = _row(session, rule_id)
    _write(row, spec)
    session.flush()
    return row


def move_rule(session: Session, rule_id: int, offset: int) -> None:
    """Move a rule up (-1) or down (+1) by swapping positions with its neighbour."""
    rows = list(session.scalars(select(RoutingRule).order_by(RoutingRule.position, RoutingRule.id)))
    index = next((i for i, row in enumerate(rows) if row.id == rule_id), None)
    if index is None:
        raise NotFound(f"no rule #{rule_id}")
    target = index + offset
    if 0 <= target < len(rows):
        rows[index], rows[target] = rows[target], rows[index]
    for position, row in enumerate(rows, 1):
        row.position = position


def set_order(session: Session, rule_ids: Sequence[int]) -> None:
    """Put every rule at the place the editor's drag and drop gave it.

    The list must name each rule once: one that was added or deleted meanwhile (in another
    tab) makes the order ambiguous, and the admin is asked to look again."""
    rows = {row.id: row for row in session.scalars(select(RoutingRule))}
    if sorted(rule_ids) != sorted(rows):
        raise InvalidInput("the rules changed meanwhile; look at the list again and repeat the move")
    for position, rule_id in enumerate(rule_ids, 1):
        rows[rule_id].position = position


def set_enabled(session: Session, rule_id: int, enabled: bool) -> RoutingRule:
    row = _row(session, rule_id)
    row.enabled = enabled
    row.updated_at = utcnow()
    return row


def delete_rule(session: Session, rule_id: int) -> str:
    """Delete a rule; its name, for the confirmation. Tickets keep the record that it fired."""
    row = _row(session, rule_id)
    session.delete(row)
    return row.name


def replace_all(session: Session, rules: Sequence[RuleSpec]) -> None:
    """Import: the given rules, in the given order, become the whole rule set."""
    session.execute(delete(RoutingRule))
    session.flush()
    for spec in rules:
        save_rule(session, spec)
