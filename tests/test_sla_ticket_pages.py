"""Where the SLA shows, through the Flask test client on SQLite and PostgreSQL: the staff
ticket page (each target with its due time, time left, paused, met or breached with the
recorded time; the two ticks; the affected service), the ticket list (next due column, "due
soon" and "breached" filters, the sort by next due time with its pages), and the portal (the
requester sees the due dates of the targets, nothing internal)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update
from werkzeug.test import TestResponse

from core.catalog import add_path
from core.db import unit_of_work
from core.models import SlaTarget, Ticket, TicketSlaClock, utcnow
from core.runtime import Runtime
from core.sla.services import add_service
from core.tickets import get_ticket
from core.users import get_user
from tests.test_sla_tracking import calendar, open_in, policy
from tests.web_helpers import (
    ADMIN,
    AGENT,
    CLIENT,
    add_people,
    client_for,
    csrf,
    flashes,
    make_app,
    text,
)
from webadmin.staff import ticket_list


@dataclass(frozen=True)
class World:
    service: int


@pytest.fixture
def world(runtime: Runtime) -> World:
    """IT/Hardware under a 24/7 policy (1h, 4h, 8h); Facilities without one; the service Mail
    with a policy of its own on IT/Hardware (first response 15 minutes)."""
    add_people(runtime)
    with unit_of_work(runtime.sessions) as session:
        for path in ("IT", "IT/Hardware", "Facilities"):
            add_path(session, path)
        always = calendar(session, "Always")
        policy(session, "Hardware", "IT/Hardware", always, first=60, workaround=240, resolution=480)
        mail = add_service(session, "Mail")
        policy(session, "Hardware, Mail", "IT/Hardware", always, first=15, service=mail)
        return World(mail.id)


@pytest.fixture
def app(runtime: Runtime) -> Flask:
    return make_app(runtime)


@pytest.fixture
def agent(app: Flask, world: World) -> FlaskClient:
    return client_for(app, AGENT)


def opened(runtime: Runtime, path: str | None = "IT/Hardware", requester: str = CLIENT) -> int:
    with unit_of_work(runtime.sessions) as session:
        return open_in(session, get_user(session, requester), path).id


def act(client: FlaskClient, number: int, action: str, prefix: str, **fields: str) -> TestResponse:
    """Submit one of the ticket page's forms as the page does: its fields under `prefix-`."""
    data = {f"{prefix}-{name}": value for name, value in fields.items()}
    return client.post(f"/admin/tickets/{number}/{action}", data={**data, f"{prefix}-csrf_token": csrf(client)})


def target_item(page: str, target: str) -> str:
    found = re.search(rf'<li class="sla-target" id="sla-{target}" data-state="(\w+)">(.*?)</li>', page, re.DOTALL)
    assert found is not None, page
    return found.group(1) + ": " + " ".join(re.sub(r"<[^>]+>", " ", found.group(2)).split())


def plain(response: TestResponse) -> str:
    """The page's text without its tags, one space between words."""
    return " ".join(re.sub(r"<[^>]+>", " ", text(response)).split())


def minute(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def test_the_ticket_page_shows_each_target_and_records_the_ticks(runtime: Runtime, agent: FlaskClient) -> None:
    number = opened(runtime)
    with runtime.sessions() as session:
        start = get_ticket(session, number).created_at
    page = text(agent.get(f"/admin/tickets/{number}"))
    assert "Policy Hardware ; business time in Always." in plain(agent.get(f"/admin/tickets/{number}"))
    assert target_item(page, "first_response").startswith(f"running: First response target 1h Running due {minute(start + timedelta(hours=1))}, ")
    assert re.search(r"Running due [^,]+, (59m|1h) left", target_item(page, "first_response"))
    assert 'id="sla-workaround-form"' in page and 'id="sla-resolution-form"' in page

    done = act(agent, number, "sla", "sla", target="workaround")
    assert (done.status_code, done.headers["Location"]) == (303, f"/admin/tickets/{number}")
    shown = agent.get(f"/admin/tickets/{number}")
    assert flashes(shown) == [("success", "Workaround recorded after 0m of business time.")]
    page = text(shown)
    assert target_item(page, "workaround").startswith("met: Workaround target 4h Met ")
    assert target_item(page, "workaround").endswith("after 0m")
    assert 'id="sla-workaround-form"' not in page and 'id="sla-resolution-form"' in page
    assert "recorded the workaround after" in page  # the history

    again = act(agent, number, "sla", "sla", target="workaround")
    assert again.status_code == 400
    assert re.search(r'<p class="field-error" id="sla-target-error">the workaround of #\d+ was recorded already</p>', text(again))


def test_the_tick_says_so_when_the_ticket_has_no_such_target(runtime: Runtime, agent: FlaskClient) -> None:
    number = opened(runtime, "Facilities")
    page = text(agent.get(f"/admin/tickets/{number}"))
    assert "No service-level policy applies to this ticket." in page and 'id="sla-resolution-form"' not in page
    refused = act(agent, number, "sla", "sla", target="resolution")
    assert refused.status_code == 400 and f"ticket #{number} has no resolution target" in text(refused)


def test_the_service_selector_reselects_the_policy_and_a_pause_shows(runtime: Runtime, agent: FlaskClient, world: World) -> None:
    number = opened(runtime)
    assert act(agent, number, "service", "service", service=str(world.service)).status_code == 303
    page = text(agent.get(f"/admin/tickets/{number}"))
    assert "Policy Hardware, Mail ;" in plain(agent.get(f"/admin/tickets/{number}")) and "set the affected service <b>Mail</b>" in page
    assert re.search(rf'<option selected value="{world.service}">Mail</option>', page)
    assert 'id="sla-workaround"' not in page  # that policy sets a first response only
    assert act(agent, number, "status", "status", status="waiting_on_customer").status_code == 303
    page = text(agent.get(f"/admin/tickets/{number}"))
    assert re.match(r"paused: First response target 15m Paused 1[45]m left; due .* if it resumed now", target_item(page, "first_response"))
    assert "paused the SLA clocks" in page


def test_the_portal_shows_the_requester_the_due_dates_only(runtime: Runtime, app: Flask, agent: FlaskClient) -> None:
    number = opened(runtime)
    with runtime.sessions() as session:
        start = get_ticket(session, number).created_at
    act(agent, number, "reply", "reply", body="We are on it.")
    client = client_for(app, CLIENT)
    page = text(client.get(f"/portal/tickets/{number}"))
    assert re.search(r'<div class="sla-due" id="due-first_response"><dt>First response</dt><dd>Done \d{4}-', page)
    assert f'<dd>Expected by {minute(start + timedelta(hours=4))}</dd>' in page
    assert f'<dd>Expected by {minute(start + timedelta(hours=8))}</dd>' in page
    assert "Hardware" not in page.split("<h2>Conversation</h2>")[0].replace("IT / Hardware", "")  # no policy name
    assert "business time" not in page and "Breached" not in page
    facilities = opened(runtime, "Facilities")
    assert 'class="sla-due"' not in text(client.get(f"/portal/tickets/{facilities}"))
    assert client_for(app, ADMIN).get(f"/portal/tickets/{number}").status_code == 404  # not the admin's own request


# -- the list ---------------------------------------------------------------------------------


def set_due(runtime: Runtime, number: int, due: datetime | None, warn: datetime | None = None, breached: bool = False) -> None:
    """Arrange a ticket's first-response clock (the others met) at `due`, warned from `warn`."""
    with unit_of_work(runtime.sessions) as session:
        now = utcnow()
        session.execute(update(TicketSlaClock).where(TicketSlaClock.ticket_id == number).values(met_at=now - timedelta(days=9)))
        session.execute(
            update(TicketSlaClock)
            .where(TicketSlaClock.ticket_id == number, TicketSlaClock.target == SlaTarget.FIRST_RESPONSE)
            .values(due_at=due, warn_at=warn, met_at=None, breached_at=now if breached else None)
        )
        session.execute(update(Ticket).where(Ticket.id == number).values(sla_next_due_at=due))


def numbers(response: TestResponse) -> list[int]:
    return [int(found) for found in re.findall(r'<td class="number"><a href="/admin/tickets/(\d+)"', text(response))]


def test_the_list_shows_filters_and_sorts_by_the_next_due_time(runtime: Runtime, agent: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    now = utcnow()
    soon, overdue, later, marked = (opened(runtime) for _ in range(4))
    unfiled = opened(runtime, None)
    set_due(runtime, soon, now + timedelta(minutes=30), warn=now - timedelta(minutes=5))
    set_due(runtime, overdue, now - timedelta(hours=2), warn=now - timedelta(hours=3))
    set_due(runtime, later, now + timedelta(hours=5), warn=now + timedelta(hours=4))
    set_due(runtime, marked, now + timedelta(hours=7), warn=now + timedelta(hours=6), breached=True)  # breached before a change
    page = text(agent.get("/admin/tickets"))
    assert f'<td class="when sla-overdue">{minute(now - timedelta(hours=2))}</td>' in page
    assert f'<td class="when">{minute(now + timedelta(minutes=30))}</td>' in page
    assert sorted(numbers(agent.get("/admin/tickets?due=due_soon"))) == [soon]
    assert sorted(numbers(agent.get("/admin/tickets?due=breached"))) == sorted([overdue, marked])
    everyone = numbers(agent.get("/admin/tickets"))
    without_due = sorted(set(everyone) - {soon, overdue, later, marked})
    assert unfiled in without_due
    assert numbers(agent.get("/admin/tickets?sort=due")) == [overdue, soon, later, marked, *without_due]
    monkeypatch.setattr(ticket_list, "PAGE_SIZE", 3)
    pages, response = [], agent.get("/admin/tickets?sort=due")
    while True:
        pages.append(numbers(response))
        older = re.search(r'<a class="older" href="([^"]+)"', response.get_data(as_text=True))
        if older is None:
            break
        response = agent.get(older.group(1).replace("&amp;", "&"))
    assert [number for page in pages for number in page] == [overdue, soon, later, marked, *without_due]
    newer = re.search(r'<a href="([^"]+)">← Newer</a>', response.get_data(as_text=True))
    assert newer is not None and numbers(agent.get(newer.group(1).replace("&amp;", "&"))) == pages[-2]
