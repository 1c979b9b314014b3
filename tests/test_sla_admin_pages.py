"""The SLA settings pages through the Flask test client, on SQLite and PostgreSQL: who may open
them (admins; agents and clients 403, anonymous visitors to the login page), policies and
calendars with their errors next to the fields, services, pausing statuses, the preview, and
the group lead checkbox on the catalog page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from core.catalog import add_path, resolve_path
from core.db import unit_of_work
from core.models import (
    Group,
    Priority,
    Service,
    SlaCalendar,
    SlaPausingStatus,
    SlaPolicy,
    Status,
    utcnow,
)
from core.models.users import group_members
from core.runtime import Runtime
from core.sla.calendar import due_at
from core.sla.calendars import business_calendar
from core.sla.services import add_service
from tests.portal_helpers import field_errors as errors_by_field
from tests.test_sla_tracking import OFFICE, calendar, policy
from tests.web_helpers import (
    ADMIN,
    AGENT,
    CLIENT,
    add_people,
    client_for,
    flashes,
    make_app,
    post,
    text,
)


def field_errors(response: TestResponse) -> dict[str, str]:
    """The error next to each field, its line breaks folded."""
    return {field: " ".join(" ".join(messages).split()) for field, messages in errors_by_field(response).items()}


@dataclass(frozen=True)
class World:
    calendar: int
    policy: int
    service: int
    group: int
    users: dict[str, int]


@pytest.fixture
def world(runtime: Runtime) -> World:
    users = add_people(runtime)
    with unit_of_work(runtime.sessions) as session:
        for path in ("IT", "IT/Hardware", "IT/Hardware/Laptops", "IT/Network"):
            add_path(session, path)
        office = calendar(session, "Office", OFFICE)
        hardware = policy(session, "Hardware", "IT/Hardware", office, first=60, workaround=240, resolution=960)
        service = add_service(session, "Mail")
        return World(office.id, hardware.id, service.id, resolve_path(session, "IT").group.id, users)


@pytest.fixture
def app(runtime: Runtime) -> Flask:
    return make_app(runtime)


@pytest.fixture
def admin(app: Flask, world: World) -> FlaskClient:
    return client_for(app, ADMIN)


# -- who may open what --------------------------------------------------------------------


def routes(world: World) -> list[tuple[str, str, dict[str, str]]]:
    """Every route of the `sla` blueprint: (method, path, form)."""
    return [
        ("GET", "/admin/sla/", {}),
        ("GET", "/admin/sla/policies/new", {}),
        ("POST", "/admin/sla/policies/new", {"name": ""}),
        ("GET", f"/admin/sla/policies/{world.policy}", {}),
        ("POST", f"/admin/sla/policies/{world.policy}", {"name": ""}),
        ("POST", "/admin/sla/policies/999999/delete", {}),
        ("GET", "/admin/sla/calendars", {}),
        ("GET", "/admin/sla/calendars/new", {}),
        ("POST", "/admin/sla/calendars/new", {"name": ""}),
        ("GET", f"/admin/sla/calendars/{world.calendar}", {}),
        ("POST", f"/admin/sla/calendars/{world.calendar}", {"name": ""}),
        ("POST", "/admin/sla/calendars/999999/delete", {}),
        ("GET", "/admin/sla/services", {}),
        ("POST", "/admin/sla/services", {"name": ""}),
        ("POST", f"/admin/sla/services/{world.service}/rename", {"name": "Mail"}),
        ("POST", f"/admin/sla/services/{world.service}/active", {"active": "1"}),
        ("POST", "/admin/sla/services/999999/delete", {}),
        ("GET", "/admin/sla/pausing", {}),
        ("POST", "/admin/sla/pausing", {"statuses": "waiting_on_customer"}),
        ("GET", "/admin/sla/preview", {}),
    ]


def test_the_matrix_names_every_route_of_the_blueprint(app: Flask, world: World) -> None:
    rules = {(method, rule.rule) for rule in app.url_map.iter_rules() if rule.endpoint.startswith("sla.")
             for method in rule.methods or () if method in ("GET", "POST")}  # fmt: skip
    named = {(method, re.sub(r"/\d+(?=/|$)", "/<id>", path)) for method, path, _ in routes(world)}
    assert {(method, re.sub(r"<int:\w+>", "<id>", rule)) for method, rule in rules} == named


@pytest.mark.parametrize(("who", "expected"), [(None, 302), (CLIENT, 403), (AGENT, 403)])
def test_only_admins_reach_the_sla_pages(runtime: Runtime, app: Flask, world: World, who: str | None, expected: int) -> None:
    client = client_for(app, who)
    for method, path, form in routes(world):
        response = client.get(path) if method == "GET" else post(client, path, form)
        assert response.status_code == expected, (method, path)
        if expected == 302:
            assert response.headers["Location"].startswith("/login")
    with runtime.sessions() as session:  # nothing the refused POSTs carried reached the database
        service = session.get(Service, world.service)
        assert service is not None and (service.name, service.active) == ("Mail", True)
        assert session.scalar(select(SlaPolicy.name).where(SlaPolicy.id == world.policy)) == "Hardware"
        assert list(session.scalars(select(SlaPausingStatus.status))) == [Status.WAITING_ON_CUSTOMER]


def test_an_admin_reaches_every_page(admin: FlaskClient, world: World) -> None:
    for method, path, _form in routes(world):
        if method == "GET":
            assert admin.get(path).status_code == 200, path
    assert 'href="/admin/sla/"' in text(admin.get("/admin/tickets"))  # the nav link


# -- policies -----------------------------------------------------------------------------


def policy_form(world: World, **changes: str) -> dict[str, str]:
    form = {
        "name": "Laptops", "entry": "", "service": "", "priority": "", "first_response": "30m", "workaround": "4h",
        "resolution": "2h 30m", "calendar": str(world.calendar), "warn_percent": "80", "active": "y",
    }  # fmt: skip
    return {**form, **changes}


def entry_value(runtime: Runtime, path: str) -> str:
    with runtime.sessions() as session:
        entry = resolve_path(session, path)
        if entry.subcategory is not None:
            return f"s:{entry.subcategory.id}"
        return f"c:{entry.category.id}" if entry.category is not None else f"g:{entry.group.id}"


def test_a_policy_form_shows_each_error_next_to_its_field(runtime: Runtime, admin: FlaskClient, world: World) -> None:
    response = post(admin, "/admin/sla/policies/new", policy_form(world, first_response="soon", warn_percent="120"))
    assert response.status_code == 400
    errors = field_errors(response)
    assert errors["entry"] == "Choose a group, category or subcategory."
    assert "is not a duration" in errors["first_response"]
    assert errors["warn_percent"] == "Give a share from 1 to 99."
    assert 'value="2h 30m"' in text(response)  # what was typed stays
    laptops = entry_value(runtime, "IT/Hardware/Laptops")
    none = post(admin, "/admin/sla/policies/new", policy_form(world, entry=laptops, first_response="", workaround="", resolution=""))
    assert field_errors(none) == {"first_response": "give at least one target"}
    taken = post(admin, "/admin/sla/policies/new", policy_form(world, entry=laptops, name="hardware"))
    assert field_errors(taken) == {"name": "there is a policy named 'hardware' already"}
    hardware = entry_value(runtime, "IT/Hardware")
    covered = post(admin, "/admin/sla/policies/new", policy_form(world, entry=hardware))
    assert field_errors(covered) == {"entry": "the active policy 'Hardware' covers exactly these tickets already"}
    with runtime.sessions() as session:
        assert list(session.scalars(select(SlaPolicy.name))) == ["Hardware"]


def test_an_admin_adds_edits_and_deletes_a_policy(runtime: Runtime, admin: FlaskClient, world: World) -> None:
    form = policy_form(world, entry=entry_value(runtime, "IT/Hardware/Laptops"), service=str(world.service), priority="high")
    response = post(admin, "/admin/sla/policies/new", form)
    assert (response.status_code, response.headers["Location"]) == (303, "/admin/sla/")
    listing = text(admin.get("/admin/sla/"))
    assert "Policy “Laptops” saved." in listing and "IT/Hardware/Laptops, Mail, priority high" in listing
    with runtime.sessions() as session:
        saved = session.scalar(select(SlaPolicy).where(SlaPolicy.name == "Laptops"))
        assert saved is not None
        assert (saved.first_response_minutes, saved.workaround_minutes, saved.resolution_minutes) == (30, 240, 150)
        assert (saved.priority, saved.service_id, saved.warn_percent, saved.active) == (Priority.HIGH, world.service, 80, True)
        number = saved.id
    page = text(admin.get(f"/admin/sla/policies/{number}"))
    assert 'value="2h 30m"' in page and 'value="30m"' in page
    edited = post(admin, f"/admin/sla/policies/{number}", {**form, "workaround": "", "active": ""})
    assert edited.status_code == 303
    with runtime.sessions() as session:
        saved = session.get(SlaPolicy, number)
        assert saved is not None and (saved.workaround_minutes, saved.active) == (None, False)
    assert post(admin, f"/admin/sla/policies/{number}/delete", follow=True).status_code == 200
    with runtime.sessions() as session:
        assert session.get(SlaPolicy, number) is None


# -- calendars ----------------------------------------------------------------------------


def calendar_form(**changes: str) -> dict[str, str]:
    hours = {f"hours_{day}": "08:00-12:00, 13:00-17:00" for day in range(5)}
    return {"name": "Munich", "timezone": "Europe/Berlin", "country": "DE", "subdivision": "BY",
            "holidays": "2026-12-24 Christmas Eve\n2026-12-31", **hours, **changes}  # fmt: skip


def test_a_calendar_form_shows_each_error_next_to_its_field(runtime: Runtime, admin: FlaskClient, world: World) -> None:
    response = post(admin, "/admin/sla/calendars/new", calendar_form(hours_0="8-17", hours_5="17:00-08:00", holidays="tomorrow",
                                                                      timezone="Mars/Olympus"))  # fmt: skip
    assert response.status_code == 400
    errors = field_errors(response)
    assert errors["hours_0"] == "'8-17' is not a period; write e.g. 08:00-17:00"
    assert errors["hours_5"].startswith("17:00-08:00: the end must come after the start")
    assert errors["holidays"] == "'tomorrow' does not start with a date like 2026-12-24"
    assert errors["timezone"] == "Not a valid choice."
    assert 'value="8-17"' in text(response)
    wrong_state = post(admin, "/admin/sla/calendars/new", calendar_form(subdivision="XX"))
    assert list(field_errors(wrong_state)) == ["subdivision"] and "not a subdivision of DE" in field_errors(wrong_state)["subdivision"]
    taken = post(admin, "/admin/sla/calendars/new", calendar_form(name="office"))
    assert field_errors(taken) == {"name": "there is a calendar named 'office' already"}


def test_an_admin_adds_a_calendar_and_deletes_one_no_policy_uses(runtime: Runtime, admin: FlaskClient, world: World) -> None:
    assert post(admin, "/admin/sla/calendars/new", calendar_form(hours_5="00:00-24:00")).status_code == 303
    listing = text(admin.get("/admin/sla/calendars"))
    assert "Mon 08:00-12:00, 13:00-17:00" in listing and "Sat 00:00-24:00" in listing and "DE-BY + 2 own" in listing
    with runtime.sessions() as session:
        munich = session.scalar(select(SlaCalendar).where(SlaCalendar.name == "Munich"))
        assert munich is not None and (munich.timezone, munich.country, munich.subdivision) == ("Europe/Berlin", "DE", "BY")
        assert [(h.weekday, h.start_minute, h.end_minute) for h in munich.hours][:2] == [(0, 480, 720), (0, 780, 1020)]
        # From Wednesday 23 December 16:00 Berlin: one hour that day; the 24th is the company's, the 25th and 26th
        # (a Saturday, else counted all day) national holidays; Sunday has no hours: Monday 09:00 Berlin.
        start = datetime(2026, 12, 23, 15, 0, tzinfo=UTC)
        assert due_at(business_calendar(munich), start, timedelta(hours=2)) == datetime(2026, 12, 28, 8, 0, tzinfo=UTC)
        number = munich.id
    edit_page = text(admin.get(f"/admin/sla/calendars/{number}"))
    assert "2026-12-24 Christmas Eve" in edit_page and 'value="08:00-12:00, 13:00-17:00"' in edit_page
    refused = post(admin, f"/admin/sla/calendars/{world.calendar}/delete", follow=True)
    assert ("error", "1 policy uses the calendar 'Office'; change them first") in flashes(refused)
    assert post(admin, f"/admin/sla/calendars/{number}/delete").status_code == 303
    with runtime.sessions() as session:
        assert session.get(SlaCalendar, number) is None and session.get(SlaCalendar, world.calendar) is not None


# -- services, pausing statuses, preview, group leads ---------------------------------------


def test_services_are_added_renamed_deactivated_and_deleted_when_unused(runtime: Runtime, admin: FlaskClient, world: World) -> None:
    assert post(admin, "/admin/sla/services", name="  VPN ").status_code == 303
    taken = post(admin, "/admin/sla/services", name="vpn")
    assert (taken.status_code, field_errors(taken)) == (400, {"name": "there is a service named 'vpn' already"})
    with runtime.sessions() as session:
        vpn = session.scalar(select(Service).where(Service.name == "VPN"))
        assert vpn is not None
        number = vpn.id
    assert post(admin, f"/admin/sla/services/{number}/rename", name="Remote access").status_code == 303
    assert post(admin, f"/admin/sla/services/{world.service}/active", active="0").status_code == 303
    with unit_of_work(runtime.sessions) as session:  # a policy names Mail
        office = session.get(SlaCalendar, world.calendar)
        assert office is not None
        policy(session, "Hardware, Mail", "IT/Hardware", office, first=15, service=session.get(Service, world.service))
    refused = post(admin, f"/admin/sla/services/{world.service}/delete", follow=True)
    assert ("error", "'Mail' is named by 0 ticket(s) and 1 polic(ies); deactivate it instead") in flashes(refused)
    assert post(admin, f"/admin/sla/services/{number}/delete").status_code == 303
    with runtime.sessions() as session:
        assert [(s.name, s.active) for s in session.scalars(select(Service))] == [("Mail", False)]


def test_the_pausing_statuses_are_saved(runtime: Runtime, admin: FlaskClient, world: World) -> None:
    page = text(admin.get("/admin/sla/pausing"))
    checked = re.findall(r'<input checked[^>]*value="(\w+)"', page)
    assert checked == ["waiting_on_customer"]
    assert post(admin, "/admin/sla/pausing", {"statuses": ["in_progress", "resolved"]}).status_code == 303
    with runtime.sessions() as session:
        assert sorted(session.scalars(select(SlaPausingStatus.status))) == [Status.IN_PROGRESS, Status.RESOLVED]
    assert post(admin, "/admin/sla/pausing", {"statuses": ["closed"]}).status_code == 400  # always pausing: not a choice
    assert post(admin, "/admin/sla/pausing", {}).status_code == 303
    with runtime.sessions() as session:
        assert list(session.scalars(select(SlaPausingStatus.status))) == []


def test_the_preview_shows_the_due_times_of_a_ticket_opened_now(runtime: Runtime, admin: FlaskClient, world: World) -> None:
    with runtime.sessions() as session:
        office = session.get(SlaCalendar, world.calendar)
        assert office is not None
        arithmetic = business_calendar(office)
    before = utcnow().replace(second=0, microsecond=0)
    page = text(admin.get("/admin/sla/preview", query_string={"entry": entry_value(runtime, "IT/Hardware/Laptops"), "priority": "low"}))
    assert "gets the policy" in page and "Hardware" in page
    for target, minutes in (("first_response", 60), ("workaround", 240), ("resolution", 960)):
        shown = re.search(rf'id="preview-{target}"><dt>[^<]+</dt><dd>([^<]+)</dd>', page)
        assert shown is not None, target
        expected = due_at(arithmetic, before, timedelta(minutes=minutes))
        later = due_at(arithmetic, before + timedelta(minutes=1), timedelta(minutes=minutes))
        assert expected is not None and later is not None
        assert shown.group(1) in {moment.strftime("%Y-%m-%d %H:%M UTC") for moment in (expected, later)}
    elsewhere = text(admin.get("/admin/sla/preview", query_string={"entry": entry_value(runtime, "IT/Network"), "priority": "low"}))
    assert 'id="preview-none"' in elsewhere
    assert admin.get("/admin/sla/preview", query_string={"entry": "g:999999", "priority": "low"}).status_code == 400


def test_group_leads_are_ticked_on_the_catalog_page(runtime: Runtime, admin: FlaskClient, world: World) -> None:
    agent, boss = world.users[AGENT], world.users[ADMIN]
    form = {"display_name": "IT", "members": [str(agent), str(boss)], "leads": [str(boss), str(world.users[CLIENT])]}
    assert post(admin, f"/admin/catalog/groups/{world.group}/settings", form).status_code == 302
    with runtime.sessions() as session:
        rows = session.execute(select(group_members.c.user_id, group_members.c.lead).where(group_members.c.group_id == world.group))
        assert sorted(rows) == sorted([(agent, False), (boss, True)])
        assert session.get(Group, world.group) is not None
    page = text(admin.get(f"/admin/catalog/groups/{world.group}"))
    assert f'name="leads" value="{boss}" checked' in page and f'name="leads" value="{agent}" >' in page
