"""Who may use the routing-rules editor: admins only. Agents and clients get 403 on every page
and every change, anonymous visitors are sent to sign in, and a POST without a CSRF token is
refused before it changes anything."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from core.runtime import Runtime
from tests.test_web_rules import VPN, rules_in_db, save_rules, set_up_helpdesk
from tests.web_helpers import ADMIN, AGENT, CLIENT, client_for, csrf, make_app, post


@pytest.fixture
def helpdesk(runtime: Runtime) -> Runtime:
    return set_up_helpdesk(runtime)


@pytest.fixture
def admin(helpdesk: Runtime) -> FlaskClient:
    return client_for(make_app(helpdesk), ADMIN)

PAGES = ["/admin/rules", "/admin/rules/new", "/admin/rules/try", "/admin/rules/export.yaml"]


@pytest.mark.parametrize("who", [AGENT, CLIENT])
def test_only_admins_may_see_or_change_rules(helpdesk: Runtime, who: str) -> None:
    (rule_id,) = save_rules(helpdesk, VPN)
    client = client_for(make_app(helpdesk), who)
    for path in [*PAGES, f"/admin/rules/{rule_id}", f"/admin/rules/{rule_id}/delete"]:
        assert client.get(path).status_code == 403, path
    for path, form in [(f"/admin/rules/{rule_id}/delete", {}), (f"/admin/rules/{rule_id}/enabled", {"enabled": "0"}),
                       ("/admin/rules/order", {"order": str(rule_id)}), (f"/admin/rules/{rule_id}", {"name": "x"})]:
        assert post(client, path, form).status_code == 403, path
    assert rules_in_db(helpdesk) == [VPN]


def test_anonymous_visitors_are_sent_to_sign_in(helpdesk: Runtime) -> None:
    client = client_for(make_app(helpdesk), None)
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login"), path


def test_a_post_without_csrf_token_is_refused(helpdesk: Runtime, admin: FlaskClient) -> None:
    (rule_id,) = save_rules(helpdesk, VPN)
    csrf(admin)
    for path, form in [(f"/admin/rules/{rule_id}/delete", {}), (f"/admin/rules/{rule_id}/enabled", {"enabled": "0"}),
                       (f"/admin/rules/{rule_id}/move", {"direction": "down"}), ("/admin/rules/import", {}),
                       ("/admin/rules/new", {"name": "x"})]:
        assert admin.post(path, data=form).status_code == 400, path
    assert rules_in_db(helpdesk) == [VPN]
