"""The engine: order, match modes, stop, actions deciding, and failures that do not stop intake."""

from __future__ import annotations

import time

import pytest

from core.errors import InvalidInput
from core.models import Priority
from core.rules import saferegex
from core.rules.engine import evaluate
from core.rules.facts import MailFacts
from core.rules.spec import ActionSpec, ConditionSpec, MatchMode, RuleSpec
from core.rules.transfer import dump, load
from core.rules.validation import rule_errors

MAIL = MailFacts(sender="bob@sales.example", subject="Laptop broken", body="screen cracked", recipients=("support@helpdesk.example.com",))


def rule(name: str, *conditions: ConditionSpec, actions: tuple[ActionSpec, ...] = (), **options: object) -> RuleSpec:
    return RuleSpec(name=name, conditions=conditions, actions=actions or (ActionSpec("add_tag", {"tag": name}),), **options)  # type: ignore[arg-type]


SUBJECT_LAPTOP = ConditionSpec("subject", {"op": "contains", "value": "laptop"})
FROM_SALES = ConditionSpec("sender_domain", {"op": "equals", "value": "sales.example"})
FROM_HR = ConditionSpec("sender_domain", {"op": "equals", "value": "hr.example"})


def test_rules_run_in_order_and_later_ones_override_scalar_decisions() -> None:
    rules = [
        rule("hardware", SUBJECT_LAPTOP, actions=(ActionSpec("set_category", {"path": "IT/Hardware"}), ActionSpec("set_priority", {"priority": "low"}))),
        rule("sales vip", FROM_SALES, actions=(ActionSpec("set_priority", {"priority": "high"}), ActionSpec("assign_group", {"group": "IT", "strategy": "round_robin"}))),
    ]
    result = evaluate(rules, MAIL)
    assert [hit.rule for hit in result.hits] == ["hardware", "sales vip"]
    decision = result.decision
    assert (decision.category_path, decision.priority, decision.assign_group, decision.assign_strategy) == ("IT/Hardware", Priority.HIGH, "IT", "round_robin")


def test_match_all_and_any_and_negation() -> None:
    assert evaluate([rule("all", SUBJECT_LAPTOP, FROM_HR)], MAIL).hits == []
    assert [h.rule for h in evaluate([rule("any", SUBJECT_LAPTOP, FROM_HR, match=MatchMode.ANY)], MAIL).hits] == ["any"]
    negated = ConditionSpec("sender_domain", {"op": "equals", "value": "hr.example"}, negate=True)
    assert evaluate([rule("not hr", negated)], MAIL).hits[0].reasons == ("not sender_domain",)


def test_stop_and_spam_end_the_run_and_disabled_rules_are_skipped() -> None:
    rules = [rule("off", SUBJECT_LAPTOP, enabled=False), rule("first", SUBJECT_LAPTOP, stop=True), rule("never", SUBJECT_LAPTOP)]
    assert [h.rule for h in evaluate(rules, MAIL).hits] == ["first"]
    spam = evaluate([rule("junk", FROM_SALES, actions=(ActionSpec("spam"),)), rule("later", SUBJECT_LAPTOP)], MAIL)
    assert spam.decision.spam_by == "junk" and [h.rule for h in spam.hits] == ["junk"]


def test_a_catastrophic_regex_is_bounded_and_the_rule_skipped() -> None:
    evil = ConditionSpec("body", {"op": "regex", "value": r"(a+)+$"})
    mail = MailFacts(sender="x@y.example", body="a" * 50_000 + "!")
    started = time.monotonic()
    result = evaluate([rule("evil", evil), rule("fine", ConditionSpec("sender_domain", {"op": "equals", "value": "y.example"}))], mail)
    assert time.monotonic() - started < 2
    assert [h.rule for h in result.hits] == ["fine"]
    assert result.errors and result.errors[0][0] == "evil" and "took longer" in result.errors[0][1]
    with pytest.raises(saferegex.RegexTimeout):
        saferegex.search(r"(a+)+$", "a" * 50_000 + "!", ignore_case=False)


def test_validation_names_each_field() -> None:
    bad = RuleSpec(name="", conditions=(ConditionSpec("subject", {"op": "regex", "value": "("}), ConditionSpec("weather")),
                   actions=(ActionSpec("set_priority", {"priority": "asap"}), ActionSpec("teleport")))
    errors = rule_errors(bad)
    assert set(errors) == {"name", "conditions.0.value", "conditions.1.kind", "actions.0.priority", "actions.1.kind"}


@pytest.mark.parametrize("pattern", [r"(a+)+$", r"(\w+\s?)+$", r"^(a|aa)+$", r"(x+x+)+y"])
def test_a_catastrophic_regex_is_refused_on_save_and_import(pattern: str) -> None:
    evil = rule("evil", ConditionSpec("subject", {"op": "regex", "value": pattern}))
    assert "backtracks catastrophically" in rule_errors(evil)["conditions.0.value"]
    with pytest.raises(InvalidInput, match="evil: conditions.0.value this pattern backtracks"):
        load(dump([evil], "yaml"))


def test_an_ordinary_regex_passes_the_backtracking_probe() -> None:
    assert rule_errors(rule("fine", ConditionSpec("subject", {"op": "regex", "value": r"^(re|fw): \[#\d+\]"}))) == {}


def test_yaml_and_json_round_trip_and_import_errors() -> None:
    rules = [rule("hardware", SUBJECT_LAPTOP, FROM_SALES, match=MatchMode.ANY, stop=True,
                  actions=(ActionSpec("set_category", {"path": "IT/Hardware"}), ActionSpec("add_watchers", {"emails": ["lead@corp.example"]})))]
    assert load(dump(rules, "yaml")) == rules
    assert load(dump(rules, "json")) == rules
    with pytest.raises(InvalidInput, match="hardware: actions.0.priority"):
        load("rules:\n- name: hardware\n  conditions: [{kind: subject, params: {op: contains, value: x}}]\n  actions: [{kind: set_priority, params: {priority: soon}}]\n")
    with pytest.raises(InvalidInput, match="used twice"):
        load(dump(rules + rules, "yaml"))
