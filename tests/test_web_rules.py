"""The routing-rules editor through the Flask test client: the list, the form (create, edit,
errors next to their field, rows without the script), reorder, enable, delete, export and
import, both dry runs, and who may do any of it. Rules are checked in the database after
each change, and mails go through the real intake (`gateway`)."""

from __future__ import annotations

import html
import io
import json
import re
from html.parser import HTMLParser

import pytest
import yaml
from flask.testing import FlaskClient
from sqlalchemy import func, select

from core.catalog import add_path, resolve_path
from core.db import unit_of_work
from core.models import RoutingRule
from core.rules.spec import ActionSpec, ConditionSpec, MatchMode, RuleSpec
from core.rules.store import load_rules, save_rule
from core.runtime import Runtime
from core.users import find_user
from mailgateway.intake import Gateway
from tests.mail_fixtures import build_mail, deliver
from tests.web_helpers import (
    ADMIN,
    AGENT,
    add_people,
    client_for,
    flashes,
    make_app,
    post,
    text,
)

FINANCE = RuleSpec(
    "finance hardware",
    (ConditionSpec("sender_domain", {"op": "equals", "value": "finance.example", "ignore_case": True}),),
    (ActionSpec("set_category", {"path": "IT/Hardware"}), ActionSpec("set_priority", {"priority": "high"}),
     ActionSpec("assign_group", {"group": "IT", "strategy": "least_loaded"})),
    stop=True,
)
VPN = RuleSpec(
    "vpn",
    (ConditionSpec("subject", {"op": "regex", "value": r"\bvpn\b", "ignore_case": True}),),
    (ActionSpec("add_tag", {"tag": "vpn"}),),
)
LOTTERY = RuleSpec("lottery", (ConditionSpec("subject", {"op": "contains", "value": "you have won"}),), (ActionSpec("spam"),))
EVERY_KIND = RuleSpec(
    "every kind",
    (
        ConditionSpec("header", {"header": "X-Priority", "op": "in", "value": ["1", "2"], "ignore_case": False}),
        ConditionSpec("has_attachment", {"type": "*.pdf"}, negate=True),
        ConditionSpec("business_hours", {"inside": False, "timezone": "Europe/Berlin", "days": [0, 2, 4],
                                         "start": "09:00", "end": "17:30"}),
        ConditionSpec("known_sender", {"known": False}),
    ),
    (
        ActionSpec("assign_agent", {"email": AGENT}),
        ActionSpec("add_watchers", {"emails": ["lead@corp.example", "boss@corp.example"]}),
        ActionSpec("auto_reply", {"template": "ticket_received"}),
        ActionSpec("assign_group", {"group": "IT", "strategy": "round_robin"}),
    ),
    match=MatchMode.ANY,
    enabled=False,
)


class _FormValues(HTMLParser):
    """What a browser would submit from one form: text inputs, checked boxes, chosen options,
    textareas; no buttons, no files, nothing inside a <template>."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id, self.inside, self.in_template = form_id, False, 0
        self.values: list[tuple[str, str]] = []
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "form" and a.get("id") == self.form_id:
            self.inside = True
        if not self.inside:
            return
        if tag == "template":
            self.in_template += 1
        if self.in_template:
            return
        if tag == "input" and a.get("type", "text") in ("text", "hidden") and "name" in a:
            self.values.append((a["name"], a.get("value", "")))
        elif tag == "input" and a.get("type") == "checkbox" and "checked" in a:
            self.values.append((a["name"], a.get("value", "on")))
        elif tag == "select":
            self._select, self._options = a["name"], []
        elif tag == "option" and self._select is not None:
            self._options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea":
            self._textarea = a["name"]

    def handle_data(self, data: str) -> None:
        if self._textarea is not None and not self.in_template:
            self.values.append((self._textarea, data))
            self._textarea = None

    def handle_endtag(self, tag: str) -> None:
        if tag == "template":
            self.in_template -= 1
        elif tag == "select" and self._select is not None:
            chosen = [value for value, selected in self._options if selected] or [self._options[0][0]]
            self.values.append((self._select, chosen[0]))
            self._select = None
        elif tag == "form" and self.inside:
            self.inside = False


def form_values(page: str, form_id: str = "rule-form") -> dict[str, list[str]]:
    parser = _FormValues(form_id)
    parser.feed(page)
    values: dict[str, list[str]] = {}
    for name, value in parser.values:
        values.setdefault(name, []).append(value)
    values.pop("csrf_token", None)
    return values


def set_up_helpdesk(runtime: Runtime) -> Runtime:
    """People, an IT group with the agent in it, and a catalog to route into."""
    add_people(runtime)
    with unit_of_work(runtime.sessions) as session:
        for path in ("IT", "IT/Hardware", "IT/Accounts", "HR"):
            add_path(session, path)
        agent, group = find_user(session, AGENT), resolve_path(session, "IT").group
        assert agent is not None
        group.members.append(agent)
    return runtime


@pytest.fixture
def helpdesk(runtime: Runtime) -> Runtime:
    return set_up_helpdesk(runtime)


@pytest.fixture
def admin(helpdesk: Runtime) -> FlaskClient:
    return client_for(make_app(helpdesk), ADMIN)


def save_rules(runtime: Runtime, *rules: RuleSpec) -> list[int]:
    with unit_of_work(runtime.sessions) as session:
        return [save_rule(session, rule).id for rule in rules]


def rules_in_db(runtime: Runtime) -> list[RuleSpec]:
    with runtime.sessions() as session:
        return load_rules(session)


def _ids(runtime: Runtime) -> list[int]:
    with runtime.sessions() as session:
        return list(session.scalars(select(RoutingRule.id).order_by(RoutingRule.position, RoutingRule.id)))


def count_rows(runtime: Runtime, model: type) -> int:
    with runtime.sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def field_error(page: str, field_id: str, *, control: bool = True) -> str:
    """The message shown next to the field; its control (if it has one) points at it."""
    match = re.search(rf'<p class="field-error" id="{re.escape(field_id)}-error">(.*?)</p>', page, re.DOTALL)
    assert match, f"no error next to {field_id}"
    assert not control or f'aria-describedby="{field_id}-error"' in page, f"{field_id} does not point at its error"
    return html.unescape(match.group(1))


def _rows(values: dict[str, list[str]], section: str) -> list[str]:
    return sorted({name.split("-")[1] for name in values if name.startswith(f"{section}-") and name.endswith("-kind")}, key=int)


# -- the list ------------------------------------------------------------------------------

def test_the_list_shows_the_rules_in_order_and_when_each_last_fired(helpdesk: Runtime, admin: FlaskClient, gateway: Gateway) -> None:
    save_rules(helpdesk, VPN, FINANCE, LOTTERY)
    deliver(gateway, build_mail(sender="fay@finance.example", subject="Laptop broken"))
    assert deliver(gateway, build_mail(subject="Congratulations, you have won")).ticket is None

    page = text(admin.get("/admin/rules"))
    assert page.index("vpn") < page.index("finance hardware") < page.index("lottery")
    row = page[page.index('id="rule-'):]
    assert "sender domain equals “finance.example”" in page
    assert "set category IT/Hardware" in page and "assign group IT, least_loaded" in page
    assert "subject matches the regular expression “\\bvpn\\b”" in page
    fired = re.findall(r'<td class="when">(.*?)</td>', row)
    assert fired[0] == "not known", "vpn never fired"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", fired[1]), "finance hardware routed the ticket"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", fired[2]), "lottery rejected the mail"
    assert 'href="/admin/rules/new"' in page


def test_the_ticket_history_names_the_rule_that_routed_it(helpdesk: Runtime, admin: FlaskClient, gateway: Gateway) -> None:
    save_rules(helpdesk, FINANCE)
    number = deliver(gateway, build_mail(sender="fay@finance.example")).ticket
    page = text(admin.get(f"/admin/tickets/{number}"))
    assert "routed it by the rule <b>finance hardware</b>" in page


# -- the form ------------------------------------------------------------------------------

def test_admin_creates_a_rule_through_the_form(helpdesk: Runtime, admin: FlaskClient) -> None:
    page = admin.get("/admin/rules/new").get_data(as_text=True)
    values = form_values(page)
    assert _rows(values, "conditions") == ["0", "1"] and _rows(values, "actions") == ["0", "1"], "empty rows without JS"
    assert re.search(r'<option value="IT/Hardware"\s*>IT / Hardware</option>', page)
    assert re.search(rf'<option value="{AGENT}"\s*>Agent \({AGENT}\)</option>', page)

    values.update({
        "name": ["payroll"], "match": ["any"], "stop": ["on"], "enabled": ["on"],
        "conditions-0-kind": ["recipient"], "conditions-0-op": ["in"], "conditions-0-value": ["hr@corp.example, pay@corp.example"],
        "conditions-1-kind": ["subject"], "conditions-1-op": ["contains"], "conditions-1-value": ["Salary"],
        "conditions-1-negate": ["on"],
        "actions-0-kind": ["set_category"], "actions-0-path": ["HR"],
        "actions-1-kind": ["assign_group"], "actions-1-group": ["IT"], "actions-1-strategy": ["round_robin"],
    })
    values.pop("conditions-1-ignore_case")
    response = post(admin, "/admin/rules/new", values, do="save")
    assert response.status_code == 302 and response.headers["Location"] == "/admin/rules"
    assert rules_in_db(helpdesk) == [RuleSpec(
        "payroll",
        (ConditionSpec("recipient", {"op": "in", "value": ["hr@corp.example", "pay@corp.example"], "ignore_case": True}),
         ConditionSpec("subject", {"op": "contains", "value": "Salary", "ignore_case": False}, negate=True)),
        (ActionSpec("set_category", {"path": "HR"}), ActionSpec("assign_group", {"group": "IT", "strategy": "round_robin"})),
        match=MatchMode.ANY, enabled=True, stop=True,
    )]
    assert flashes(admin.get("/admin/rules")) == [("success", "Rule 'payroll' saved.")]


def test_a_saved_rule_comes_back_unchanged_through_the_form(helpdesk: Runtime, admin: FlaskClient) -> None:
    (rule_id,) = save_rules(helpdesk, EVERY_KIND)
    page = admin.get(f"/admin/rules/{rule_id}").get_data(as_text=True)
    assert "disabled" not in page.split('id="rule-enabled"')[1].split(">")[0]
    response = post(admin, f"/admin/rules/{rule_id}", form_values(page), do="save")
    assert response.status_code == 302, text(response)
    assert rules_in_db(helpdesk) == [EVERY_KIND]


def test_errors_stand_next_to_their_field_and_what_was_typed_is_kept(helpdesk: Runtime, admin: FlaskClient) -> None:
    values = {
        "name": "", "match": "all", "enabled": "on",
        # Row 0 is left unused and rows 3 and 7 have gaps: errors must still find their row.
        "conditions-0-kind": "",
        "conditions-3-kind": "body", "conditions-3-op": "regex", "conditions-3-value": "(a+)+$",
        "conditions-7-kind": "subject", "conditions-7-op": "regex", "conditions-7-value": "(unclosed",
        "actions-2-kind": "set_priority", "actions-2-priority": "",
        "actions-5-kind": "add_watchers", "actions-5-emails": "not-an-address",
    }
    response = post(admin, "/admin/rules/new", values, do="save")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert field_error(page, "rule-name") == "give the rule a name"
    assert "backtracks catastrophically" in field_error(page, "conditions-3-value")
    assert "(a+)+ is the usual cause" in field_error(page, "conditions-3-value")
    assert field_error(page, "conditions-7-value").startswith("not a valid regular expression")
    assert field_error(page, "actions-2-priority") == "low, medium, high or urgent"
    assert field_error(page, "actions-5-emails") == "a list of email addresses"
    kept = form_values(page)
    assert kept["conditions-3-value"] == ["(a+)+$"] and kept["conditions-7-value"] == ["(unclosed"]
    assert kept["actions-5-emails"] == ["not-an-address"] and kept["conditions-3-kind"] == ["body"]
    assert count_rows(helpdesk, RoutingRule) == 0

    clash = {**values, "name": "vpn", "conditions-3-value": "a+$", "conditions-7-value": "vpn",
             "actions-2-priority": "low", "actions-5-emails": "x@corp.example"}
    save_rules(helpdesk, VPN)
    page = post(admin, "/admin/rules/new", clash, do="save").get_data(as_text=True)
    assert field_error(page, "rule-name") == "another rule has this name"
    page = post(admin, "/admin/rules/new", {"name": "empty", "match": "all"}, do="save").get_data(as_text=True)
    assert field_error(page, "conditions", control=False) == "a rule needs at least one condition"
    assert field_error(page, "actions", control=False) == "a rule needs at least one action"


def test_rows_are_added_and_removed_without_the_script(helpdesk: Runtime, admin: FlaskClient) -> None:
    values = form_values(admin.get("/admin/rules/new").get_data(as_text=True))
    values.update({"name": ["draft"], "conditions-1-kind": ["subject"], "conditions-1-value": ["printer"]})
    page = post(admin, "/admin/rules/new", values, do="add-conditions").get_data(as_text=True)
    after_add = form_values(page)
    assert _rows(after_add, "conditions") == ["0", "1", "2"]
    assert after_add["conditions-1-value"] == ["printer"] and after_add["name"] == ["draft"]
    page = post(admin, "/admin/rules/new", after_add, do="remove-conditions-1").get_data(as_text=True)
    after_remove = form_values(page)
    assert _rows(after_remove, "conditions") == ["0", "2"]
    assert "printer" not in after_remove.get("conditions-1-value", [])
    assert count_rows(helpdesk, RoutingRule) == 0


def test_an_unknown_rule_is_404(admin: FlaskClient) -> None:
    assert admin.get("/admin/rules/999").status_code == 404
    assert admin.get("/admin/rules/999/delete").status_code == 404


# -- order, state, delete --------------------------------------------------------------------

def test_reorder_by_the_arrows_and_by_the_posted_order(helpdesk: Runtime, admin: FlaskClient) -> None:
    vpn, finance, lottery = save_rules(helpdesk, VPN, FINANCE, LOTTERY)
    post(admin, f"/admin/rules/{lottery}/move", direction="up")
    assert _ids(helpdesk) == [vpn, lottery, finance]
    post(admin, f"/admin/rules/{vpn}/move", direction="down")
    assert _ids(helpdesk) == [lottery, vpn, finance]
    response = post(admin, "/admin/rules/order", order=[str(finance), str(vpn), str(lottery)], follow=True)
    assert ("success", "Order saved: the rules run as listed.") in flashes(response)
    assert _ids(helpdesk) == [finance, vpn, lottery]
    assert [r.name for r in rules_in_db(helpdesk)] == ["finance hardware", "vpn", "lottery"]

    stale = post(admin, "/admin/rules/order", order=[str(vpn), str(finance)], follow=True)
    assert ("error", "the rules changed meanwhile; look at the list again and repeat the move") in flashes(stale)
    assert _ids(helpdesk) == [finance, vpn, lottery]
    assert post(admin, f"/admin/rules/{vpn}/move", direction="sideways").status_code == 400


def test_enable_disable_and_delete_after_confirming(helpdesk: Runtime, admin: FlaskClient) -> None:
    vpn, finance = save_rules(helpdesk, VPN, FINANCE)
    post(admin, f"/admin/rules/{vpn}/enabled", enabled="0")
    assert [r.enabled for r in rules_in_db(helpdesk)] == [False, True]
    assert "badge state-inactive" in text(admin.get("/admin/rules"))
    post(admin, f"/admin/rules/{vpn}/enabled", enabled="1")
    assert [r.enabled for r in rules_in_db(helpdesk)] == [True, True]

    confirm = admin.get(f"/admin/rules/{finance}/delete")
    assert confirm.status_code == 200 and "Delete the rule “finance hardware”?" in text(confirm)
    assert len(rules_in_db(helpdesk)) == 2, "asking deletes nothing"
    response = post(admin, f"/admin/rules/{finance}/delete", follow=True)
    assert ("success", "Rule deleted.") in flashes(response)
    assert [r.name for r in rules_in_db(helpdesk)] == ["vpn"]
    gone = post(admin, f"/admin/rules/{finance}/delete", follow=True)
    assert ("error", f"no rule #{finance}") in flashes(gone)


# -- export and import ---------------------------------------------------------------------

def test_export_then_import_gives_the_same_rules(helpdesk: Runtime, admin: FlaskClient) -> None:
    save_rules(helpdesk, VPN, FINANCE, EVERY_KIND)
    exported = admin.get("/admin/rules/export.yaml")
    assert exported.headers["Content-Disposition"] == 'attachment; filename="postdesk-rules.yaml"'
    assert [r["name"] for r in yaml.safe_load(exported.get_data(as_text=True))["rules"]] == ["vpn", "finance hardware", "every kind"]
    as_json = admin.get("/admin/rules/export.json")
    assert as_json.mimetype == "application/json"
    assert json.loads(as_json.get_data(as_text=True))["rules"][1]["actions"][1] == {"kind": "set_priority", "params": {"priority": "high"}}
    assert admin.get("/admin/rules/export.xml").status_code == 404

    before = rules_in_db(helpdesk)
    reversed_yaml = yaml.safe_dump({"rules": list(reversed(yaml.safe_load(exported.get_data(as_text=True))["rules"]))})
    response = post(admin, "/admin/rules/import", {"file": (io.BytesIO(reversed_yaml.encode()), "rules.yaml")}, follow=True)  # type: ignore[dict-item]
    assert ("success", "Imported 3 rules; they replace the previous ones.") in flashes(response)
    assert rules_in_db(helpdesk) == list(reversed(before))
    response = post(admin, "/admin/rules/import", {"file": (io.BytesIO(as_json.get_data()), "rules.json")}, follow=True)  # type: ignore[dict-item]
    assert rules_in_db(helpdesk) == before


def test_an_invalid_import_changes_nothing_and_lists_every_problem(helpdesk: Runtime, admin: FlaskClient) -> None:
    save_rules(helpdesk, VPN)
    bad = yaml.safe_dump({"rules": [
        {"name": "ok", "conditions": [{"kind": "subject", "params": {"op": "contains", "value": "x"}}],
         "actions": [{"kind": "add_tag", "params": {"tag": "x"}}]},
        {"name": "slow", "conditions": [{"kind": "body", "params": {"op": "regex", "value": "(a+)+$"}}],
         "actions": [{"kind": "add_tag", "params": {"tag": "x"}}]},
        {"name": "asap", "conditions": [{"kind": "subject", "params": {"op": "contains", "value": "x"}}],
         "actions": [{"kind": "set_priority", "params": {"priority": "asap"}}]},
    ]})
    response = post(admin, "/admin/rules/import", {"file": (io.BytesIO(bad.encode()), "rules.yaml")})  # type: ignore[dict-item]
    assert response.status_code == 400
    problems = re.findall(r"<li>(.*?)</li>", text(response).split('id="import-errors"')[1].split("</ul>")[0])
    assert problems == [
        ("slow: conditions.0.value this pattern backtracks catastrophically (a run of 5000 'a' took longer than 50 ms); "
         "nested repetition such as (a+)+ is the usual cause, so rewrite it without nesting"),
        "asap: actions.0.priority low, medium, high or urgent",
    ]
    assert rules_in_db(helpdesk) == [VPN]

    for garbage, message in [(b"rules: [unclosed", "not YAML or JSON"), (b"\xff\xfe", "the file is not UTF-8 text"),
                             (b"just text", "expected a list of rules")]:
        response = post(admin, "/admin/rules/import", {"file": (io.BytesIO(garbage), "rules.yaml")})  # type: ignore[dict-item]
        assert response.status_code == 400 and message in text(response)
    assert post(admin, "/admin/rules/import").status_code == 400
    assert rules_in_db(helpdesk) == [VPN]
