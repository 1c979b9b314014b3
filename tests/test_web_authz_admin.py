"""The authorization matrix of the operations and settings pages, and of the public account
pages: every route × anonymous/client/agent/admin gets the expected answer, and every POST
without a CSRF token is refused (400) before it does anything.

Staff pages (inbound, outbox, mail sink) admit agents and admins; settings pages (catalog,
users, mailboxes, templates) admins only; a signed-in user without the role gets 403, an
anonymous visitor is sent to sign in. A test checks that the matrix names every route of
these blueprints, so a new route cannot be added without deciding who may use it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask, url_for
from sqlalchemy import select

from core.catalog import add_path
from core.config import Settings, load_settings
from core.db import unit_of_work
from core.mailboxes import add_mailbox
from core.models import MailboxSecurity, OutboxMessage, User
from core.password_reset import make_token as reset_token
from core.recipient_routes import add_route
from core.runtime import Runtime
from core.unsubscribe import OptOut
from core.unsubscribe import make_token as unsubscribe_token
from mailgateway.intake import Gateway
from postdesk.worker.delivery import deliver_due
from postdesk.worker.transports import MailSink
from tests.db_fixtures import environment_for
from tests.mail_fixtures import build_mail, deliver
from tests.web_helpers import ADMIN, AGENT, CLIENT, add_people, client_for, csrf, make_app

ROLES = {"anonymous": None, "client": CLIENT, "agent": AGENT, "admin": ADMIN}
BLUEPRINTS = {"operations", "catalog", "users", "mailboxes", "mail_templates", "password_reset", "unsubscribe"}
STAFF = {"anonymous": 302, "client": 403, "agent": 200, "admin": 200}
ADMINS = {"anonymous": 302, "client": 403, "agent": 403, "admin": 200}
EVERYONE = dict.fromkeys(ROLES, 200)


@dataclass(frozen=True)
class Route:
    endpoint: str
    expected: dict[str, int]
    values: dict[str, Any] = field(default_factory=dict)
    form: Mapping[str, str | list[str]] = field(default_factory=dict)
    method: str = "GET"


def _post(
    endpoint: str, who: dict[str, int], allowed: int = 302, form: Mapping[str, str | list[str]] | None = None,
    **values: Any,
) -> Route:
    """A POST: the roles that may open the page get `allowed` (302 after an action, mostly)."""
    expected = {role: (allowed if status == 200 else status) for role, status in who.items()}
    return Route(endpoint, expected, values, form or {}, "POST")


@dataclass(frozen=True)
class World:
    users: dict[str, int]
    inbound: int
    outbox: int
    sink_file: str
    group: int
    category: int
    subcategory: int
    mailbox: int
    route: int
    reset: str
    unsubscribe: str


@pytest.fixture
def world(runtime: Runtime, gateway: Gateway) -> World:
    users = add_people(runtime)
    inbound = deliver(gateway, build_mail(sender="someone@corp.example")).inbound_id
    deliver_due(runtime, MailSink(runtime.settings.mail_sink_dir))
    with unit_of_work(runtime.sessions) as session:
        group = add_path(session, "Hardware").group
        category = add_path(session, "Hardware/Printers").category
        subcategory = add_path(session, "Hardware/Printers/Toner").subcategory
        assert category is not None and subcategory is not None
        mailbox = add_mailbox(session, "Support", host="127.0.0.1", port=1, security=MailboxSecurity.PLAIN,
                              username="u", password="p")
        route = add_route(session, "hw@corp.example", group)
        outbox = session.scalars(select(OutboxMessage.id)).one()
        secret = runtime.settings.secret_key
        world = World(
            users=users, inbound=inbound, outbox=outbox,
            sink_file=next(runtime.settings.mail_sink_dir.iterdir()).name,
            group=group.id, category=category.id, subcategory=subcategory.id,
            mailbox=mailbox.id, route=route.id,
            reset=reset_token(secret, session.get_one(User, users[CLIENT])),
            unsubscribe=unsubscribe_token(secret, users[CLIENT], OptOut.STATUS),
        )
    return world


def matrix(w: World) -> list[Route]:
    """Every route with what each role gets. Order matters for admins, whose POSTs take effect:
    deletions come last."""
    mailbox_form = {"name": "Support", "host": "127.0.0.1", "port": "1", "security": "plain",
                    "username": "u", "password": "", "folder": "INBOX"}
    template = {"subject": "[#{{ ticket.id }}] x", "txt": "x", "html": "", "action": "preview"}
    return [
        Route("operations.inbound", STAFF),
        Route("operations.inbound_message", STAFF, {"inbound_id": w.inbound}),
        Route("operations.inbound_raw", STAFF, {"inbound_id": w.inbound}),
        Route("operations.outbox", STAFF),
        Route("operations.mail_sink", STAFF),
        Route("operations.mail_sink_message", STAFF, {"name": w.sink_file}),
        _post("operations.inbound_reprocess", STAFF, inbound_id=w.inbound),
        _post("operations.outbox_resend", STAFF, outbox_id=w.outbox),
        Route("catalog.index", ADMINS),
        Route("catalog.group", ADMINS, {"group_id": w.group}),
        Route("users.index", ADMINS),
        Route("users.user", ADMINS, {"user_id": w.users[CLIENT]}),
        Route("mailboxes.index", ADMINS),
        Route("mailboxes.new", ADMINS),
        Route("mailboxes.edit", ADMINS, {"mailbox_id": w.mailbox}),
        Route("mail_templates.index", ADMINS),
        Route("mail_templates.edit", ADMINS, {"name": "ticket_received"}),
        _post("catalog.add_group", ADMINS, form={"name": "Software"}),
        _post("catalog.group_settings", ADMINS, group_id=w.group, form={"display_name": "HW"}),
        _post("catalog.add_category", ADMINS, group_id=w.group, form={"name": "Laptops"}),
        _post("catalog.add_subcategory", ADMINS, category_id=w.category, form={"name": "Paper"}),
        _post("catalog.rename_item", ADMINS, kind="categories", item_id=w.category, form={"name": "Print"}),
        _post("catalog.set_active", ADMINS, kind="subcategories", item_id=w.subcategory, form={"active": "0"}),
        _post("catalog.move_item", ADMINS, kind="categories", item_id=w.category, form={"direction": "down"}),
        _post("users.add", ADMINS, form={"email": "new@corp.example", "role": "client"}),
        _post("users.edit", ADMINS, user_id=w.users[CLIENT], form={"name": "A", "role": "client", "active": "on"}),
        _post("users.reset_link", ADMINS, user_id=w.users[CLIENT]),
        _post("mailboxes.new", ADMINS, form={**mailbox_form, "name": "Second", "password": "p"}),
        _post("mailboxes.edit", ADMINS, mailbox_id=w.mailbox, form=mailbox_form),
        _post("mailboxes.set_enabled", ADMINS, mailbox_id=w.mailbox, form={"enabled": "0"}),
        _post("mailboxes.test", ADMINS, mailbox_id=w.mailbox),
        _post("mailboxes.add_address_route", ADMINS, form={"address": "sw@corp.example", "group": str(w.group)}),
        _post("mail_templates.submit", ADMINS, 200, name="ticket_received", form=template),
        _post("mail_templates.reset_to_shipped", ADMINS, name="ticket_received"),
        _post("mailboxes.delete_route", ADMINS, route_id=w.route),
        _post("catalog.delete_item", ADMINS, kind="subcategories", item_id=w.subcategory),
        Route("password_reset.forgot", EVERYONE),
        Route("password_reset.reset", EVERYONE, {"token": w.reset}),
        Route("unsubscribe.ask", EVERYONE, {"token": w.unsubscribe}),
        _post("password_reset.forgot", dict.fromkeys(ROLES, 302), form={"email": CLIENT}),
        _post("unsubscribe.confirm", EVERYONE, 200, token=w.unsubscribe),
        _post("password_reset.reset", dict.fromkeys(ROLES, 302), token=w.reset,
              form={"password": "new password 123", "repeat": "new password 123"}),
    ]


def _path(app: Flask, route: Route) -> str:
    with app.test_request_context():
        return url_for(route.endpoint, **route.values)


@pytest.mark.parametrize("role", ROLES)
def test_every_route_answers_each_role_as_expected(runtime: Runtime, world: World, role: str) -> None:
    app = make_app(runtime)
    client = client_for(app, ROLES[role])
    routes = matrix(world)
    wrong = []
    for route in (r for r in routes if r.method == "POST"):
        response = client.post(_path(app, route), data=route.form)
        if response.status_code != 400:
            wrong.append(f"POST {route.endpoint} without CSRF: {response.status_code}")
    for route in routes:
        path = _path(app, route)
        if route.method == "GET":
            response = client.get(path)
        else:
            response = client.post(path, data={"csrf_token": csrf(client), **route.form})
        status = response.status_code
        if status != route.expected[role]:
            wrong.append(f"{route.method} {route.endpoint}: {status}, expected {route.expected[role]}")
        elif role == "anonymous" and route.expected["client"] == 403:
            if not response.headers["Location"].startswith("/login?next="):
                wrong.append(f"{route.method} {route.endpoint}: sent to {response.headers['Location']}, not to sign in")
    assert wrong == []


def test_the_matrix_names_every_route_of_these_blueprints(runtime: Runtime, world: World) -> None:
    app = make_app(runtime)
    registered = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.split(".")[0] in BLUEPRINTS
        for method in rule.methods - {"HEAD", "OPTIONS"}  # type: ignore[operator]
    }
    assert registered == {(route.endpoint, route.method) for route in matrix(world)}


@pytest.mark.parametrize("base_url, secure", [("https://helpdesk.corp.example", True), ("http://127.0.0.1:8000", False)])
def test_the_session_cookie_is_secure_when_served_over_https(
    settings: Settings, base_url: str, secure: bool
) -> None:
    env = environment_for(settings.data_dir, settings.database_url, POSTDESK_BASE_URL=base_url)
    cookie = make_app(Runtime(load_settings(env))).test_client().get("/login").headers["Set-Cookie"]
    assert ("; Secure" in cookie) is secure
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
