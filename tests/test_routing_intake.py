"""Routing rules in the intake, end to end over the real SMTP receiver."""

from __future__ import annotations

import smtplib
import time

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.catalog import add_path
from core.db import unit_of_work
from core.models import (
    InboundMessage,
    MessageKind,
    OutboxMessage,
    Outcome,
    Priority,
    RecipientRoute,
    Role,
    RoutingRule,
    Status,
    TicketEvent,
    TicketTag,
)
from core.rules.spec import ActionSpec, ConditionSpec, RuleSpec
from core.rules.store import save_rule
from core.rules.transfer import to_document
from core.runtime import Runtime
from core.tickets import get_ticket
from core.users import add_user
from mailgateway.intake import Gateway
from mailgateway.listener import Endpoint
from tests.mail_fixtures import SUPPORT, build_mail, deliver

HR = "hr-help@helpdesk.example.com"


def _when(kind: str, **params: object) -> ConditionSpec:
    return ConditionSpec(kind, dict(params))


def _do(kind: str, **params: object) -> ActionSpec:
    return ActionSpec(kind, dict(params))


@pytest.fixture
def helpdesk(runtime: Runtime) -> Runtime:
    """Two groups with two agents each, a routed HR address, and four rules."""
    with unit_of_work(runtime.sessions) as session:
        for path in ("IT", "IT/Hardware", "IT/Accounts", "HR", "HR/Payroll", "HR/Leave"):
            add_path(session, path)
        agents = {name: add_user(session, f"{name}@corp.example", role=Role.AGENT) for name in ("ivan", "ida", "hanna", "hugo")}
        from core.catalog import resolve_path

        it = resolve_path(session, "IT").group
        it.members.extend([agents["ivan"], agents["ida"]])
        hr = resolve_path(session, "HR").group
        hr.members.extend([agents["hanna"], agents["hugo"]])
        session.add(RecipientRoute(address=HR, group=hr))
        rules = [
            RuleSpec("payroll from finance", (_when("recipient", op="equals", value=HR), _when("sender_domain", op="equals", value="finance.example")),
                     (_do("set_category", path="HR/Payroll"), _do("assign_agent", email="hanna@corp.example")), stop=True),
            RuleSpec("leave from sales", (_when("recipient", op="equals", value=HR), _when("sender_domain", op="equals", value="sales.example")),
                     (_do("set_category", path="HR/Leave"), _do("assign_agent", email="hugo@corp.example")), stop=True),
            RuleSpec("finance hardware", (_when("sender_domain", op="equals", value="finance.example"),),
                     (_do("set_category", path="IT/Hardware"), _do("set_priority", priority="high"), _do("assign_group", group="IT", strategy="round_robin")), stop=True),
            RuleSpec("sales accounts", (_when("sender_domain", op="equals", value="sales.example"),),
                     (_do("set_category", path="IT/Accounts"), _do("assign_agent", email="ida@corp.example"), _do("add_tag", tag="sales"),
                      _do("add_watchers", emails=["lead@sales.example"]))),
            RuleSpec("drop lottery", (_when("subject", op="regex", value=r"you (have )?won"),), (_do("spam"),)),
        ]
        for rule in rules:
            save_rule(session, rule)
        _store_unchecked(session, RuleSpec("evil regex", (_when("body", op="regex", value=r"(a+)+$"),), (_do("add_tag", tag="never"),)))
    return runtime


def _store_unchecked(session: Session, spec: RuleSpec) -> None:
    """A catastrophic pattern, first in line, written past the validation that refuses it on
    save (as one saved before that check, or one the check's probes cannot foresee)."""
    document = to_document([spec])[0]
    session.add(RoutingRule(name=spec.name, position=0, enabled=True, stop=False, match_mode="all",
                            conditions=document["conditions"], actions=document["actions"]))


@pytest.mark.parametrize(
    ("sender", "to", "path", "assignee"),
    [
        ("fay@finance.example", HR, "HR/Payroll", "hanna@corp.example"),
        ("sam@sales.example", HR, "HR/Leave", "hugo@corp.example"),
        ("fay@finance.example", SUPPORT, "IT/Hardware", "ivan@corp.example"),
        ("sam@sales.example", SUPPORT, "IT/Accounts", "ida@corp.example"),
    ],
)
def test_mail_lands_in_the_right_category_with_the_right_assignee(
    helpdesk: Runtime, smtp_receiver: Endpoint, sender: str, to: str, path: str, assignee: str
) -> None:
    with smtplib.SMTP(smtp_receiver.host, smtp_receiver.port, timeout=30) as client:
        client.sendmail(sender, [to], build_mail(sender=sender, to=to, body="a" * 30_000 + "!"))
    with helpdesk.sessions() as session:
        row = session.scalars(select(InboundMessage)).one()
        ticket = get_ticket(session, row.ticket_id)
        assert ticket.category_path == path
        assert ticket.assignee is not None and ticket.assignee.email == assignee
        fired = [e.new_value for e in session.scalars(select(TicketEvent).where(TicketEvent.field == "rule"))]
        assert len(fired) == 1
        assert "evil regex failed" in row.rule_hits, "the catastrophic pattern is bounded and logged"


def test_other_actions_priority_tags_watchers_and_round_robin(helpdesk: Runtime, gateway: Gateway) -> None:
    first = deliver(gateway, build_mail(sender="sam@sales.example")).ticket
    with helpdesk.sessions() as session:
        ticket = get_ticket(session, first)
        assert [w.email for w in ticket.watchers] == ["lead@sales.example"]
        assert session.get(TicketTag, (first, "sales")) is not None
    numbers = [deliver(gateway, build_mail(sender=f"f{i}@finance.example", subject=f"n{i}")).ticket for i in range(3)]
    with helpdesk.sessions() as session:
        tickets = [get_ticket(session, n) for n in numbers]
        assert {t.priority for t in tickets} == {Priority.HIGH}
        assert [t.assignee.email for t in tickets if t.assignee] == ["ivan@corp.example", "ida@corp.example", "ivan@corp.example"]
        from core.rules.assignment import least_loaded
        from core.tickets import change_status

        group = tickets[0].group
        assert least_loaded(session, group).email == "ivan@corp.example", "2 open each: the tie goes to the lower id"
        change_status(session, tickets[1], Status.CLOSED, actor=None)
        assert least_loaded(session, group).email == "ida@corp.example", "ida now has 1 open ticket, ivan 2"


def test_spam_rule_rejects_with_its_name_and_opens_nothing(helpdesk: Runtime, gateway: Gateway) -> None:
    result = deliver(gateway, build_mail(subject="Congratulations, you have won!"))
    assert result.outcome is Outcome.REJECTED
    assert result.reason == "spam, by rule 'drop lottery'"
    assert result.ticket is None


def test_first_contact_is_told_apart_from_a_known_sender(helpdesk: Runtime, gateway: Gateway) -> None:
    with unit_of_work(helpdesk.sessions) as session:
        save_rule(session, RuleSpec("first contact", (_when("known_sender", known=False),), (_do("add_tag", tag="first-contact"),)))
    first = deliver(gateway, build_mail(sender="newbie@other.example", subject="hello")).ticket
    second = deliver(gateway, build_mail(sender="newbie@other.example", subject="again")).ticket
    with helpdesk.sessions() as session:
        assert session.get(TicketTag, (first, "first-contact")) is not None
        assert session.get(TicketTag, (second, "first-contact")) is None


def test_a_decision_that_cannot_be_carried_out_becomes_a_note(helpdesk: Runtime, gateway: Gateway) -> None:
    with unit_of_work(helpdesk.sessions) as session:
        save_rule(session, RuleSpec("stale", (_when("subject", op="contains", value="stale"),),
                                    (_do("set_category", path="Gone/Away"), _do("assign_agent", email="nobody@corp.example"))))
    number = deliver(gateway, build_mail(sender="x@other.example", subject="stale routing")).ticket
    with helpdesk.sessions() as session:
        notes = [m.text for m in get_ticket(session, number).messages if m.kind is MessageKind.SYSTEM]
    assert notes and "no group 'Gone'" in notes[0] and "nobody@corp.example" in notes[0]


def test_auto_reply_action_respects_the_loop_guards(helpdesk: Runtime, gateway: Gateway) -> None:
    with unit_of_work(helpdesk.sessions) as session:
        save_rule(session, RuleSpec("ack twice", (_when("subject", op="contains", value="printer"),), (_do("auto_reply", template="ticket_received"),)))
    deliver(gateway, build_mail(sender="p@other.example", subject="printer"))
    deliver(gateway, build_mail(sender="q@other.example", subject="printer", Auto_Submitted="auto-generated"))
    with helpdesk.sessions() as session:
        to = [row.recipients for row in session.scalars(select(OutboxMessage).where(OutboxMessage.template == "ticket_received"))]
    assert to.count("p@other.example") == 2
    assert "q@other.example" not in to


def test_intake_keeps_answering_with_a_pathological_rule(helpdesk: Runtime, smtp_receiver: Endpoint) -> None:
    started = time.monotonic()
    with smtplib.SMTP(smtp_receiver.host, smtp_receiver.port, timeout=30) as client:
        for index in range(5):
            client.sendmail("x@other.example", [SUPPORT], build_mail(sender="x@other.example", subject=f"n{index}", body="a" * 100_000 + "!"))
    assert time.monotonic() - started < 20


def test_cli_export_import_round_trip_and_dry_runs(helpdesk: Runtime, gateway: Gateway, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.cli_helpers import postdesk

    exported = postdesk(settings, "rules", "export")
    assert exported.returncode == 0 and "payroll from finance" in exported.stdout
    (tmp_path / "rules.yaml").write_text(exported.stdout)
    broken = exported.stdout.replace("priority: high", "priority: whenever")
    (tmp_path / "broken.yaml").write_text(broken)
    refused = postdesk(settings, "rules", "import", str(tmp_path / "broken.yaml"))
    assert refused.returncode == 2 and "finance hardware: actions.1.priority" in refused.stderr
    slow = postdesk(settings, "rules", "import", str(tmp_path / "rules.yaml"))
    assert slow.returncode == 2 and "evil regex: conditions.0.value this pattern backtracks catastrophically" in slow.stderr
    with unit_of_work(helpdesk.sessions) as session:
        session.execute(delete(RoutingRule).where(RoutingRule.name == "evil regex"))
    kept = postdesk(settings, "rules", "export").stdout
    (tmp_path / "rules.yaml").write_text(kept)
    assert postdesk(settings, "rules", "import", str(tmp_path / "rules.yaml")).returncode == 0
    assert postdesk(settings, "rules", "export").stdout == kept

    mail = tmp_path / "mail.eml"
    mail.write_bytes(build_mail(sender="fay@finance.example", to=HR))
    tried = postdesk(settings, "rules", "try", str(mail))
    assert "matches payroll from finance" in tried.stdout and "category=HR/Payroll" in tried.stdout
    with helpdesk.sessions() as session:
        assert session.scalars(select(InboundMessage)).first() is None, "a dry run writes nothing"

    for index in range(3):
        deliver(gateway, build_mail(sender=f"f{index}@finance.example", subject=f"laptop {index}"))
    deliver(gateway, build_mail(sender="x@other.example", subject="unrelated"))
    backtest = postdesk(settings, "rules", "backtest", "finance hardware")
    assert "would have matched 3 of the last 4 tickets" in backtest.stdout
