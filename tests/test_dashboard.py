"""The dashboard, the staff panel's landing page, on SQLite and PostgreSQL: its figures
against hand-counted tickets, links to the list, and, in the real Chromium, its chart under
the page's Content-Security-Policy (a screenshot is kept; any console error fails)."""

from __future__ import annotations

import base64
import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from core.db import unit_of_work
from core.models import MessageKind, Role, Source, Status, Ticket, utcnow
from core.runtime import Runtime
from core.tickets import MessageBody, add_message, assign, change_status, open_ticket
from core.users import add_user, get_user, mail_user
from tests.test_web_auth import PASSWORD
from tests.test_web_tickets_browser import save_screenshot
from tests.web_helpers import AGENT, CLIENT, add_people, client_for, make_app, text


@pytest.fixture
def people(runtime: Runtime) -> dict[str, int]:
    return add_people(runtime)


def open_tickets(runtime: Runtime) -> dict[str, int]:
    """Five tickets now: one mine and in progress, one waiting, one unassigned, one resolved
    after a first reply two hours in, one new for someone else."""
    with unit_of_work(runtime.sessions) as session:
        me, alice = get_user(session, AGENT), mail_user(session, CLIENT)
        other = add_user(session, "other@corp.example", role=Role.AGENT, name="Other")
        numbers = {}
        for key in ("mine", "waiting", "unassigned", "resolved", "others"):
            ticket = open_ticket(session, requester=alice, title=key, body=MessageBody("help"), source=Source.EMAIL,
                                 message_kind=MessageKind.EMAIL_IN)  # fmt: skip
            numbers[key] = ticket.id
            if key in ("mine", "waiting", "resolved"):
                assign(session, ticket, me, actor=me)
            if key == "others":
                assign(session, ticket, other, actor=me)
        tickets = {key: session.get_one(Ticket, number) for key, number in numbers.items()}
        change_status(session, tickets["mine"], Status.IN_PROGRESS, actor=me)
        change_status(session, tickets["waiting"], Status.WAITING_ON_CUSTOMER, actor=me)
        resolved = tickets["resolved"]
        add_message(session, resolved, author=me, kind=MessageKind.WEB, body=MessageBody("try this"))
        change_status(session, resolved, Status.RESOLVED, actor=me)
        resolved.created_at = utcnow() - timedelta(hours=3)
        resolved.first_response_at = resolved.created_at + timedelta(hours=2)
        return numbers


def test_dashboard_counts_open_tickets(runtime: Runtime, people: dict[str, int]) -> None:
    open_tickets(runtime)
    agent = client_for(make_app(runtime), AGENT)
    response = agent.get("/admin/")
    assert response.status_code == 200
    page = text(response)
    inverted = {what: int(value) for value, what in re.findall(r'<span class="value">(\d+)</span><span class="what">([^<]+)</span>', page)}
    assert inverted["Open tickets"] == 4
    assert (inverted["Mine"], inverted["Unassigned"], inverted["Waiting on customer"]) == (2, 1, 1)
    assert (inverted["New"], inverted["Assigned"], inverted["In progress"]) == (1, 1, 1)
    assert 'href="/admin/tickets?status=open&amp;assignee=unassigned"' in response.get_data(as_text=True)
    today = utcnow().date().isoformat()
    assert f"<tr><th scope=\"row\">{today}</th><td class=\"figure-cell\">5</td><td class=\"figure-cell\">1</td></tr>" in page
    week = page[page.index("Average first response"):]
    assert re.match(r"Average first response</th>\s*<td>2 h <span class=\"muted\">\(1 answered\)</span></td>", week), week[:200]
    assert re.search(r"Average resolution</th>\s*<td>3 h <span class=\"muted\">\(1 resolved\)</span></td>", week)


def test_dashboard_chart_is_an_svg_of_the_table(runtime: Runtime, people: dict[str, int]) -> None:
    open_tickets(runtime)
    page = client_for(make_app(runtime), AGENT).get("/admin/").get_data(as_text=True)
    source = re.search(r'<img src="data:image/svg\+xml;base64,([^"]+)"[^>]*data-chart="created_resolved"', page)
    assert source, page
    svg = base64.b64decode(source.group(1)).decode()
    assert svg.startswith("<svg") and "Created" in svg and "Resolved" in svg
    assert not re.search(r"<script[^>]+src=", svg)  # nothing loaded from elsewhere (and an image runs no script)


@pytest.mark.parametrize(("who", "status"), [(None, 302), (CLIENT, 403), (AGENT, 200)])
def test_dashboard_is_for_staff(runtime: Runtime, people: dict[str, int], who: str | None, status: int) -> None:
    assert client_for(make_app(runtime), who).get("/admin/").status_code == status


@pytest.mark.browser
def test_dashboard_chart_in_chromium(runtime: Runtime, people: dict[str, int], live_server: str, page: Page, tmp_path: Path) -> None:
    open_tickets(runtime)
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", AGENT)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server}/admin/")
    chart = page.locator("img[data-chart=created_resolved]")
    expect(chart).to_be_visible()
    assert page.evaluate("document.querySelector('img[data-chart=created_resolved]').naturalWidth") == 720
    expect(page.locator("table[data-table=created_resolved] tbody tr")).to_have_count(30)
    save_screenshot(page, "dashboard", tmp_path)
    assert (tmp_path / "dashboard.png").stat().st_size > 10_000
    assert problems == []

