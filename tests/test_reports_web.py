"""The report pages through the Flask test client and in the real Chromium, on SQLite and
PostgreSQL: the tables show the hand-computed figures of tests.test_reports, the downloads
carry the same figures, a bad range is refused next to its field, and only staff get in."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from core.db import unit_of_work
from core.models import Role
from core.runtime import Runtime
from core.users import add_user
from tests.test_reports import ADA, add_week
from tests.test_web_auth import PASSWORD
from tests.test_web_tickets_browser import save_screenshot
from tests.web_helpers import client_for, make_app, text

WEEK = "start=2026-03-02&end=2026-03-08"
LEAD, EMPLOYEE = "lead@corp.example", "employee@corp.example"


@pytest.fixture
def week(runtime: Runtime) -> dict[str, int]:
    ids = add_week(runtime)
    with unit_of_work(runtime.sessions) as session:
        add_user(session, LEAD, role=Role.AGENT, name="Lead", password=PASSWORD)
        add_user(session, EMPLOYEE, role=Role.CLIENT, password=PASSWORD)
    return ids


def table_rows(page: str, key: str) -> list[list[str]]:
    body = re.search(rf'<table class="data" data-table="{key}">.*?<tbody>(.*?)</tbody>', page, re.DOTALL)
    assert body, page
    return [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row) for row in re.findall(r"<tr>(.*?)</tr>", body.group(1), re.DOTALL)]


def test_volume_page_shows_the_figures_with_charts(runtime: Runtime, week: dict[str, int]) -> None:
    response = client_for(make_app(runtime), LEAD).get(f"/admin/reports/volume?{WEEK}")
    assert response.status_code == 200
    page = text(response)
    assert table_rows(page, "over_time") == [
        ["2026-03-02", "2", "0", "0", "3"], ["2026-03-03", "1", "2", "0", "2"], ["2026-03-04", "1", "1", "0", "2"],
        ["2026-03-05", "0", "0", "1", "3"], ["2026-03-06", "0", "1", "0", "2"], ["2026-03-07", "0", "0", "1", "3"],
        ["2026-03-08", "0", "0", "0", "3"],
    ]  # fmt: skip
    assert table_rows(page, "by_channel") == [["Mail", "2", "0", "2"], ["API", "1", "1", "0"], ["Portal", "1", "0", "1"]]
    assert {key for key in re.findall(r'<img src="data:image/svg\+xml;base64,[^"]+"[^>]*data-chart="(\w+)"', page)} == {
        "over_time", "by_category", "by_channel"}


def test_speed_and_agent_pages_with_an_agent_filter(runtime: Runtime, week: dict[str, int]) -> None:
    client = client_for(make_app(runtime), LEAD)
    speed = text(client.get(f"/admin/reports/speed?{WEEK}&agent={week[ADA]}"))
    assert table_rows(speed, "by_agent") == [["All tickets", "2", "2.0", "2.8", "2", "60.0", "88.8", "2.0", "2.8", "22.5", "33.3"],
                                             ["Ada", "2", "2.0", "2.8", "2", "60.0", "88.8", "2.0", "2.8", "22.5", "33.3"]]  # fmt: skip
    agents = text(client.get(f"/admin/reports/agents?{WEEK}"))
    assert table_rows(agents, "agents")[:2] == [["Ada", "2", "3", "1", "33.3", "2.0", "60.0"], ["Ben", "1", "1", "0", "0.0", "12.25", "10.0"]]


def test_sla_page_lists_the_breached_targets(runtime: Runtime, week: dict[str, int]) -> None:
    page = text(client_for(make_app(runtime), LEAD).get(f"/admin/reports/sla?{WEEK}"))
    assert table_rows(page, "compliance") == [["IT standard / First response", "1", "2", "0", "33.3"],
                                              ["IT standard / Resolution", "1", "1", "1", "50.0"]]  # fmt: skip
    assert table_rows(page, "breached") == [
        ["#4", "Ticket 4", "IT standard", "First response", "2026-03-04 12:00 UTC", "—"],
        ["#2", "Ticket 2", "IT standard", "Resolution", "2026-03-04 10:00 UTC", "2026-03-06 12:00 UTC"],
        ["#2", "Ticket 2", "IT standard", "First response", "2026-03-02 14:00 UTC", "2026-03-02 15:00 UTC"],
    ]


def test_downloads_carry_the_page_figures(runtime: Runtime, week: dict[str, int]) -> None:
    client = client_for(make_app(runtime), LEAD)
    response = client.get(f"/admin/reports/volume?{WEEK}&format=csv&table=by_category")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="postdesk-volume-2026-03-02-2026-03-08-by_category.csv"'
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows == [["Category", "Created", "Still open", "Resolved or closed"], ["IT / Software", "2", "1", "1"],
                    ["HR / Payroll", "1", "0", "1"], ["IT / Hardware / Printer", "1", "0", "1"]]  # fmt: skip
    workbook = load_workbook(io.BytesIO(client.get(f"/admin/reports/speed?{WEEK}&format=xlsx").data))
    assert workbook.sheetnames == ["by_group", "by_agent"]
    assert [cell.value for cell in workbook["by_group"][2]] == ["All tickets", 4, 2.0, 17.7, 3, 24.0, 81.6, 2.0, 2.8, 22.5, 33.3]
    assert client.get(f"/admin/reports/volume?{WEEK}&format=pdf").status_code == 400
    assert client.get(f"/admin/reports/volume?{WEEK}&format=csv&table=nope").status_code == 400


def test_a_bad_range_is_shown_next_to_its_field(runtime: Runtime, week: dict[str, int]) -> None:
    client = client_for(make_app(runtime), LEAD)
    response = client.get("/admin/reports/volume?start=2026-03-08&end=2026-03-01")
    assert response.status_code == 400
    assert '<p class="field-error" id="end-error">The range ends before it starts.</p>' in response.get_data(as_text=True)
    long = client.get("/admin/reports/volume?start=2020-01-01&end=2026-03-01")
    assert "Choose at most 1098 days." in text(long) and long.status_code == 400
    assert client.get("/admin/reports/volume?start=yesterday").status_code == 400
    assert client.get("/admin/reports/volume?agent=999999").status_code == 400


@pytest.mark.parametrize(("who", "status"), [(None, 302), (EMPLOYEE, 403), (LEAD, 200)])
@pytest.mark.parametrize("path", ["/admin/reports/", "/admin/reports/volume", "/admin/reports/agents?format=xlsx"])
def test_reports_are_for_staff(runtime: Runtime, week: dict[str, int], who: str | None, status: int, path: str) -> None:
    assert client_for(make_app(runtime), who).get(path).status_code == status


def test_unknown_report_is_404(runtime: Runtime, week: dict[str, int]) -> None:
    assert client_for(make_app(runtime), LEAD).get("/admin/reports/nope").status_code == 404


@pytest.mark.browser
def test_report_charts_in_chromium(runtime: Runtime, week: dict[str, int], live_server: str, page: Page, tmp_path: Path) -> None:
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", LEAD)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server}/admin/reports/volume")
    page.fill("input[name=start]", "2026-03-02")
    page.fill("input[name=end]", "2026-03-08")
    page.click("form.report-filter button[type=submit]")
    for key in ("over_time", "by_category", "by_channel"):
        chart = page.locator(f"img[data-chart={key}]")
        expect(chart).to_be_visible()
        assert chart.evaluate("image => image.complete && image.naturalWidth > 0")
    expect(page.locator("table[data-table=over_time] tbody tr")).to_have_count(7)
    save_screenshot(page, "report-volume", tmp_path)
    with page.expect_download() as download:
        page.click("text=Download the report (XLSX)")
    assert download.value.suggested_filename == "postdesk-volume-2026-03-02-2026-03-08.xlsx"
    assert problems == []
