"""Run the rules in order over one mail's facts and record why each one fired (or failed).

A rule that raises (a regex over its time bound, a bad parameter) is recorded as an error
against the message and skipped; the other rules and the intake go on."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from core.rules.actions import ACTIONS, Decision
from core.rules.conditions import registry
from core.rules.facts import MailFacts
from core.rules.spec import MatchMode, RuleSpec

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RuleHit:
    rule: str
    reasons: tuple[str, ...]


@dataclass
class Evaluation:
    decision: Decision = field(default_factory=Decision)
    hits: list[RuleHit] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)

    def log_lines(self) -> str:
        """For the inbound log row: one line per hit and per error."""
        lines = [f"rule {hit.rule}: {'; '.join(hit.reasons)}" for hit in self.hits]
        lines += [f"rule {rule} failed: {error}" for rule, error in self.errors]
        return "".join(f"{line}\n" for line in lines)


def _reasons(rule: RuleSpec, facts: MailFacts) -> tuple[str, ...] | None:
    """Why the rule matches, or None if it does not."""
    if not rule.conditions:
        return None
    conditions = registry()
    reasons = []
    for spec in rule.conditions:
        reason = conditions[spec.kind].check(facts, spec.params)
        hit = (reason is None) if spec.negate else (reason is not None)
        if hit:
            reasons.append(f"not {spec.kind}" if spec.negate else str(reason))
            if rule.match is MatchMode.ANY:
                return tuple(reasons)
        elif rule.match is MatchMode.ALL:
            return None
    return tuple(reasons) if rule.match is MatchMode.ALL else None


def evaluate(rules: Sequence[RuleSpec], facts: MailFacts) -> Evaluation:
    result = Evaluation()
    for rule in rules:
        if not rule.enabled:
            continue
        try:
            reasons = _reasons(rule, facts)
        except Exception as error:
            log.warning("routing rule %r failed: %s", rule.name, error)
            result.errors.append((rule.name, f"{type(error).__name__}: {error}"))
            continue
        if reasons is None:
            continue
        result.hits.append(RuleHit(rule.name, reasons))
        for action in rule.actions:
            ACTIONS[action.kind].decide(result.decision, action.params, rule.name)
        if rule.stop or result.decision.drops_the_mail:
            break
    return result
