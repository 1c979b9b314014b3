"""The routing-rules editor in the real Chromium, under the strict Content-Security-Policy (any
console error fails the test): an admin creates a rule through the form with the script's
rows, meets a field error, runs both dry runs, saves, and reorders by dragging and by the
arrows. The database is checked after each change that should write."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect
from sqlalchemy import select

from core.db import unit_of_work
from core.models import RoutingRule, Ticket
from core.rules.spec import ActionSpec, ConditionSpec, RuleSpec
from core.rules.store import load_rules, save_rule
from core.runtime import Runtime
from mailgateway.intake import Gateway
from tests.mail_fixtures import build_mail, deliver
from tests.test_web_auth import PASSWORD
from tests.test_web_rules import set_up_helpdesk
from tests.web_helpers import ADMIN

pytestmark = pytest.mark.browser

RULES = [
    RuleSpec("vpn", (ConditionSpec("subject", {"op": "contains", "value": "vpn"}),), (ActionSpec("add_tag", {"tag": "vpn"}),)),
    RuleSpec("printers", (ConditionSpec("subject", {"op": "contains", "value": "printer"}),),
             (ActionSpec("set_category", {"path": "IT/Hardware"}),)),
]


@pytest.fixture
def admin_page(runtime: Runtime, gateway: Gateway, live_server: str, page: Page) -> Page:
    """Two saved rules, two tickets to backtest against, and an admin signed in."""
    set_up_helpdesk(runtime)
    with unit_of_work(runtime.sessions) as session:
        for rule in RULES:
            save_rule(session, rule)
    deliver(gateway, build_mail(sender="fay@finance.example", subject="Laptop does not boot"))
    deliver(gateway, build_mail(sender="sam@sales.example", subject="Phone is cracked"))
    page.goto(f"{live_server}/login")
    page.fill("#email", ADMIN)
    page.fill("#password", PASSWORD)
    page.click("button.primary")
    expect(page).to_have_url(f"{live_server}/admin/tickets")
    return page


REFUSED_FORM = "Failed to load resource: the server responded with a status of 400 (BAD REQUEST)"
"""Chromium's console line for a page answered 400, which is how a form with errors comes back."""


def _watch(page: Page, *, refused_forms: int = 0) -> list[str]:
    """Console errors and page errors, besides the lines of the forms a test expects refused."""
    problems: list[str] = []
    allowed = [refused_forms]

    def record(message: ConsoleMessage) -> None:
        if message.type == "error" and message.text == REFUSED_FORM and allowed[0] > 0:
            allowed[0] -= 1
        elif message.type == "error":
            problems.append(message.text)

    page.on("console", record)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def _names(runtime: Runtime) -> list[str]:
    with runtime.sessions() as session:
        return [rule.name for rule in load_rules(session)]


def _id(runtime: Runtime, name: str) -> int:
    with runtime.sessions() as session:
        rule_id = session.scalar(select(RoutingRule.id).where(RoutingRule.name == name))
    assert rule_id is not None
    return rule_id


def test_admin_builds_tries_and_reorders_a_rule(runtime: Runtime, admin_page: Page, tmp_path: Path) -> None:
    page = admin_page
    problems = _watch(page, refused_forms=1)
    page.click("nav >> text=Rules")
    expect(page.locator("h1")).to_have_text("Routing rules")
    page.click("text=New rule")
    expect(page.locator("h1")).to_have_text("New rule")

    # The script shows only the fields of the chosen kind.
    page.fill("#rule-name", "finance laptops")
    page.select_option("#conditions-0-kind", "subject")
    expect(page.locator("#conditions-0-value")).to_be_visible()
    expect(page.locator("#conditions-0-header")).to_be_hidden()
    expect(page.locator("#conditions-0-timezone")).to_be_hidden()
    page.select_option("#conditions-0-op", "regex")
    page.fill("#conditions-0-value", "(a+)+$")
    page.select_option("#actions-0-kind", "set_priority")
    page.select_option("#actions-0-priority", "high")
    expect(page.locator("#actions-0-path")).to_be_hidden()
    with page.expect_response(lambda response: response.request.method == "POST") as answer:
        page.click("#save-rule")
    assert answer.value.status == 400

    # The catastrophic pattern is refused next to its field; what was typed is still there.
    error = page.locator("#conditions-0-value-error")
    expect(error).to_contain_text("backtracks catastrophically")
    expect(page.locator("#conditions-0-value")).to_have_value("(a+)+$")
    expect(page.locator("#conditions-0-value")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#rule-name")).to_have_value("finance laptops")
    assert _names(runtime) == ["vpn", "printers"]
    page.select_option("#conditions-0-op", "contains")
    page.fill("#conditions-0-value", "laptop")

    # Rows are added and removed in place by the script.
    conditions = page.locator("[data-rows=conditions] [data-row-list] > li")
    expect(conditions).to_have_count(2)
    page.click("text=Add a condition")
    expect(conditions).to_have_count(3)
    page.select_option("#conditions-2-kind", "sender_domain")
    page.fill("#conditions-2-value", "finance.example")
    page.locator("#conditions-1-kind").locator("xpath=ancestor::li").locator("[data-remove-row]").click()
    expect(conditions).to_have_count(2)

    # Would have matched: the unsaved rule against the two tickets.
    page.click("#run-backtest")
    result = page.locator("#backtest-result")
    expect(result).to_contain_text("Would have matched 1 of the last 2 tickets.")
    with runtime.sessions() as session:
        laptop = session.scalar(select(Ticket.id).where(Ticket.title == "Laptop does not boot"))
    expect(result.locator("a")).to_have_text([f"#{laptop}"])
    expect(result.locator("a")).to_have_attribute("href", f"/admin/tickets/{laptop}")
    expect(page.locator("#conditions-2-value")).to_have_value("finance.example")

    # Try a pasted mail: this rule comes last, after the saved ones.
    page.fill("#raw-mail", build_mail(sender="fred@finance.example", subject="New laptop please").decode())
    page.click("#try-mail")
    rules = page.locator("#mail-result tbody tr")
    expect(rules).to_have_count(3)
    expect(rules.nth(2)).to_contain_text("finance laptops")
    expect(rules.nth(2)).to_contain_text("Matched")
    expect(rules.nth(2)).to_contain_text("sender_domain equals 'finance.example'")
    expect(rules.nth(0)).to_contain_text("No match")
    expect(page.locator("#would-become")).to_contain_text("high")
    page.screenshot(path=tmp_path / "rule-form.png", full_page=True)
    assert _names(runtime) == ["vpn", "printers"], "dry runs save nothing"

    page.click("#save-rule")
    expect(page.locator(".flash-success")).to_have_text("Rule 'finance laptops' saved.")
    assert _names(runtime) == ["vpn", "printers", "finance laptops"]
    with runtime.sessions() as session:
        saved = load_rules(session)[2]
    assert [c.kind for c in saved.conditions] == ["subject", "sender_domain"]
    assert [(a.kind, a.params) for a in saved.actions] == [("set_priority", {"priority": "high"})]

    # Drag the new rule by its handle to the top; the order is posted and saved.
    new_id, vpn_id = _id(runtime, "finance laptops"), _id(runtime, "vpn")
    page.drag_and_drop(f"#rule-{new_id} [data-drag-handle]", f"#rule-{vpn_id}", target_position={"x": 40, "y": 3})
    expect(page.locator(".flash-success")).to_have_text("Order saved: the rules run as listed.")
    assert _names(runtime) == ["finance laptops", "vpn", "printers"]
    expect(page.locator("[data-rule-list] td.title a")).to_have_text(["finance laptops", "vpn", "printers"])

    # And by the arrows.
    page.click("[aria-label='Move printers up']")
    expect(page.locator(".flash-success")).to_have_text("Rule moved up.")
    assert _names(runtime) == ["finance laptops", "printers", "vpn"]
    page.screenshot(path=tmp_path / "rules.png", full_page=True)
    assert problems == []


def test_the_rules_pages_fit_a_phone(runtime: Runtime, admin_page: Page, live_server: str) -> None:
    page = admin_page
    problems = _watch(page)
    page.set_viewport_size({"width": 390, "height": 860})
    for path in ("/admin/rules", "/admin/rules/new", "/admin/rules/try", f"/admin/rules/{_id(runtime, 'vpn')}"):
        page.goto(f"{live_server}{path}")
        expect(page.locator("h1")).to_be_visible()
        expect(page.locator("nav a[aria-current=page]")).to_have_text("Rules")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, f"{path} is wider than the phone"
    assert problems == []
