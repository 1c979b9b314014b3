"""The editor's two dry runs through the Flask test client: a raw mail (pasted or uploaded)
against the saved rules, and, on the form, a rule as typed (unsaved, disabled) against a mail
and against the last tickets. Neither may write anything; both are checked for that."""

from __future__ import annotations

import io
import re

import pytest
from flask.testing import FlaskClient

from core.models import InboundMessage, RoutingRule, Ticket
from core.rules.spec import ActionSpec, ConditionSpec, RuleSpec
from core.runtime import Runtime
from mailgateway.intake import Gateway
from tests.mail_fixtures import build_mail, deliver
from tests.test_web_rules import (
    FINANCE,
    LOTTERY,
    VPN,
    count_rows,
    field_error,
    form_values,
    rules_in_db,
    save_rules,
    set_up_helpdesk,
)
from tests.web_helpers import ADMIN, AGENT, client_for, make_app, post, text


@pytest.fixture
def helpdesk(runtime: Runtime) -> Runtime:
    return set_up_helpdesk(runtime)


@pytest.fixture
def admin(helpdesk: Runtime) -> FlaskClient:
    return client_for(make_app(helpdesk), ADMIN)


def test_try_a_mail_shows_each_rule_its_reasons_and_the_ticket_it_would_make(helpdesk: Runtime, admin: FlaskClient) -> None:
    off = RuleSpec("off", VPN.conditions, (ActionSpec("add_tag", {"tag": "off"}),), enabled=False)
    later = RuleSpec("later", (ConditionSpec("sender_domain", {"op": "glob", "value": "*.example"}),), (ActionSpec("add_tag", {"tag": "x"}),))
    save_rules(helpdesk, VPN, off, FINANCE, later)
    mail = build_mail(sender="fay@finance.example", subject="VPN drops every hour").decode()
    inbound, tickets = count_rows(helpdesk, InboundMessage), count_rows(helpdesk, Ticket)

    page = text(post(admin, "/admin/rules/try", raw_mail=mail))
    results = re.findall(r'<td class="title">(.*?)</td>\s*<td><span class="badge rule-[\w-]+">(.*?)</span></td>', page)
    assert results == [("vpn", "Matched"), ("off", "Disabled"), ("finance hardware", "Matched"), ("later", "Not reached")]
    assert r"subject regex '\\bvpn\\b': 'VPN drops every hour'" in page, "the engine's reason"
    assert "sender_domain equals 'finance.example': 'finance.example'" in page
    ticket = dict(re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", page))
    assert ticket["Category"] == "IT/Hardware" and ticket["Priority"] == "high" and ticket["Tags"] == "vpn"
    assert ticket["Assignee"] == f"an agent of IT (the least loaded): now {AGENT}"
    assert "Subject: VPN drops every hour" in page.split('id="raw-mail"')[1].split("</textarea>")[0], "the mail stays in its box"

    upload = {"mail_file": (io.BytesIO(build_mail(subject="Printer jammed")), "mail.eml")}
    page = text(post(admin, "/admin/rules/try", upload))  # type: ignore[arg-type]
    assert re.findall(r'<span class="badge rule-[\w-]+">(.*?)</span>', page) == ["No match", "Disabled", "No match", "Matched"]
    ticket = dict(re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", page))
    assert ticket["Tags"] == "x" and ticket["Assignee"] == "nobody" and ticket["Priority"] == "medium (the default)"
    assert (count_rows(helpdesk, InboundMessage), count_rows(helpdesk, Ticket)) == (inbound, tickets), "a dry run writes nothing"

    empty = post(admin, "/admin/rules/try", raw_mail="  ")
    assert empty.status_code == 400
    assert field_error(empty.get_data(as_text=True), "raw-mail") == "paste a mail with its headers, or choose an .eml file"


def test_try_a_mail_that_a_spam_rule_drops(helpdesk: Runtime, admin: FlaskClient) -> None:
    save_rules(helpdesk, LOTTERY, VPN)
    page = text(post(admin, "/admin/rules/try", raw_mail=build_mail(subject="Hey, you have won a VPN").decode()))
    assert re.findall(r'<span class="badge rule-[\w-]+">(.*?)</span>', page) == ["Matched", "Not reached"]
    assert dict(re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", page)) == {
        "Ticket": "none: the mail is marked as spam by lottery and logged as rejected"
    }


def _editor_form(admin: FlaskClient, path: str, **typed: str) -> dict[str, list[str]]:
    values = form_values(admin.get(path).get_data(as_text=True))
    values.update({name: [value] for name, value in typed.items()})
    return values


def test_the_editor_backtests_an_unsaved_disabled_rule(helpdesk: Runtime, admin: FlaskClient, gateway: Gateway) -> None:
    numbers = [deliver(gateway, build_mail(sender=sender, subject=subject)).ticket
               for sender, subject in [("fay@finance.example", "Laptop"), ("sam@sales.example", "Phone"),
                                       ("fred@finance.example", "Screen")]]
    values = _editor_form(admin, "/admin/rules/new", name="finance", **{
        "conditions-0-kind": "sender_domain", "conditions-0-value": "finance.example",
        "actions-0-kind": "set_priority", "actions-0-priority": "urgent", "last": "100",
    })
    values.pop("enabled")
    page = text(post(admin, "/admin/rules/new", values, do="backtest"))
    assert "Would have matched 2 of the last 3 tickets." in page
    links = re.findall(r'<li><a href="/admin/tickets/(\d+)">#\d+</a> (.*?)</li>', page)
    assert links == [(str(numbers[2]), "Screen"), (str(numbers[0]), "Laptop")], "newest first, with titles"
    assert '<option value="100" selected>' in page
    assert form_values(page)["name"] == ["finance"] and "enabled" not in form_values(page)
    assert count_rows(helpdesk, RoutingRule) == 0, "a dry run saves nothing"

    values["conditions-0-value"] = ["(a+)+$"]
    values["conditions-0-op"] = ["regex"]
    page = post(admin, "/admin/rules/new", values, do="backtest").get_data(as_text=True)
    assert "backtracks catastrophically" in field_error(page, "conditions-0-value"), "refused before it runs"
    assert "Would have matched" not in page


def test_the_editor_tries_a_mail_with_the_rule_as_typed_in_its_place(helpdesk: Runtime, admin: FlaskClient) -> None:
    vpn, _finance = save_rules(helpdesk, VPN, FINANCE)
    post(admin, f"/admin/rules/{vpn}/enabled", enabled="0")
    values = _editor_form(admin, f"/admin/rules/{vpn}", **{"conditions-0-value": r"\bwifi\b", "stop": "on"})
    values["raw_mail"] = [build_mail(sender="fay@finance.example", subject="Wifi is down").decode()]
    page = text(post(admin, f"/admin/rules/{vpn}", values, do="try"))
    assert re.findall(r'<td class="title">(.*?)</td>\s*<td><span class="badge rule-[\w-]+">(.*?)</span>', page) == [
        ("vpn", "Matched"), ("finance hardware", "Not reached")
    ], "the edited rule runs first, as if enabled, and stops"
    assert dict(re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", page))["Tags"] == "vpn"
    assert rules_in_db(helpdesk)[0] == RuleSpec(VPN.name, VPN.conditions, VPN.actions, enabled=False), "nothing saved"
