"""What a rule may decide. Each action kind validates its params and adds to a Decision;
acting on the decision (through the ticket services) is `core.rules.apply`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from core.models import Priority

STRATEGIES = ("least_loaded", "round_robin")


@dataclass
class Decision:
    category_path: str | None = None
    priority: Priority | None = None
    assign_agent: str | None = None
    assign_group: str | None = None
    assign_strategy: str = "least_loaded"
    watchers: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    auto_replies: list[str] = field(default_factory=list)
    spam_by: str | None = None
    ignored_by: str | None = None

    @property
    def drops_the_mail(self) -> bool:
        return self.spam_by is not None or self.ignored_by is not None


def _text(params: Mapping[str, Any], key: str, what: str) -> dict[str, str]:
    value = params.get(key)
    return {} if isinstance(value, str) and value.strip() else {key: f"give {what}"}


def _priority_errors(params: Mapping[str, Any]) -> dict[str, str]:
    return {} if params.get("priority") in {p.value for p in Priority} else {"priority": "low, medium, high or urgent"}


def _group_errors(params: Mapping[str, Any]) -> dict[str, str]:
    errors = _text(params, "group", "a group name")
    if params.get("strategy", "least_loaded") not in STRATEGIES:
        errors["strategy"] = "least_loaded or round_robin"
    return errors


def _emails_errors(params: Mapping[str, Any]) -> dict[str, str]:
    emails = params.get("emails")
    if isinstance(emails, list) and emails and all(isinstance(e, str) and "@" in e for e in emails):
        return {}
    return {"emails": "a list of email addresses"}


def _set_assign_group(decision: Decision, params: Mapping[str, Any], _rule: str) -> None:
    decision.assign_group, decision.assign_agent = str(params["group"]), None
    decision.assign_strategy = str(params.get("strategy", "least_loaded"))


def _set_assign_agent(decision: Decision, params: Mapping[str, Any], _rule: str) -> None:
    decision.assign_agent, decision.assign_group = str(params["email"]).lower(), None


@dataclass(frozen=True)
class ActionKind:
    name: str
    description: str
    errors: Callable[[Mapping[str, Any]], dict[str, str]]
    decide: Callable[[Decision, Mapping[str, Any], str], None]
    fields: tuple[str, ...] = ()
    """The names of its params, for the editor's form."""


ACTIONS: dict[str, ActionKind] = {
    kind.name: kind
    for kind in (
        ActionKind("set_category", "Set group / category / subcategory (path G/C/S)",
                   lambda p: _text(p, "path", "a catalog path"),
                   lambda d, p, _r: setattr(d, "category_path", str(p["path"])), ("path",)),
        ActionKind("set_priority", "Set the priority", _priority_errors,
                   lambda d, p, _r: setattr(d, "priority", Priority(p["priority"])), ("priority",)),
        ActionKind("assign_agent", "Assign to an agent", lambda p: _text(p, "email", "the agent's email"), _set_assign_agent, ("email",)),
        ActionKind("assign_group", "Assign to the least-loaded (or next round-robin) agent of a group", _group_errors,
                   _set_assign_group, ("group", "strategy")),
        ActionKind("add_watchers", "Add watchers", _emails_errors,
                   lambda d, p, _r: d.watchers.extend(str(e).lower() for e in p["emails"]), ("emails",)),
        ActionKind("add_tag", "Add a tag", lambda p: _text(p, "tag", "a tag"),
                   lambda d, p, _r: d.tags.append(str(p["tag"]).strip().lower()), ("tag",)),
        ActionKind("auto_reply", "Send an auto-reply template (loop guards apply)",
                   lambda p: _text(p, "template", "a template name"),
                   lambda d, p, _r: d.auto_replies.append(str(p["template"])), ("template",)),
        ActionKind("spam", "Mark as spam: no ticket, the mail is logged as rejected", lambda p: {},
                   lambda d, _p, rule: setattr(d, "spam_by", rule)),
        ActionKind("ignore", "Ignore: no ticket, the mail is logged as rejected", lambda p: {},
                   lambda d, _p, rule: setattr(d, "ignored_by", rule)),
    )
}
