"""The admin pages in the real Chromium: edit the catalog through the UI, then look at every
operations and settings page. Each page must work under the strict Content-Security-Policy
(any console error fails the test) and fit a phone's width; screenshots of each are kept in
the test's tmp dir."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.models import Category, Group
from core.runtime import Runtime
from mailgateway.intake import Gateway
from postdesk.worker.delivery import deliver_due
from postdesk.worker.transports import MailSink
from tests.mail_fixtures import build_mail, deliver
from tests.test_web_auth import PASSWORD
from tests.web_helpers import ADMIN, add_people

pytestmark = pytest.mark.browser

PAGES = {
    "inbound": "/admin/inbound",
    "outbox": "/admin/outbox",
    "mail-sink": "/admin/mail-sink",
    "catalog": "/admin/catalog",
    "users": "/admin/users",
    "mailboxes": "/admin/mailboxes",
    "templates": "/admin/templates",
    "template-editor": "/admin/templates/ticket_received",
}


@pytest.fixture
def signed_in_admin(runtime: Runtime, gateway: Gateway, live_server: str, page: Page) -> Page:  # noqa: F811
    """An admin signed in through the form, with a ticket and a delivered mail to look at."""
    add_people(runtime)
    deliver(gateway, build_mail(subject="Printer on 3rd floor is jammed"))
    deliver_due(runtime, MailSink(runtime.settings.mail_sink_dir))
    page.goto(f"{live_server}/login")
    page.fill("#email", ADMIN)
    page.fill("#password", PASSWORD)
    page.click("button.primary")
    expect(page).to_have_url(f"{live_server}/admin/tickets")
    return page


def _watch(page: Page) -> list[str]:
    problems: list[str] = []

    def record(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(message.text)

    page.on("console", record)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def test_admin_edits_the_catalog_in_the_browser(
    runtime: Runtime, live_server: str, signed_in_admin: Page, tmp_path: Path  # noqa: F811
) -> None:
    page = signed_in_admin
    problems = _watch(page)
    page.click("nav >> text=Catalog")
    expect(page.locator("h1")).to_have_text("Catalog")
    page.fill("#new-group", "Hardware")
    page.click("text=Add group")
    expect(page.locator("h1")).to_have_text("Hardware")
    expect(page.locator(".flash-success")).to_have_text("Group 'Hardware' added.")

    page.fill("#new-category", "Printers")
    page.click("text=Add category")
    category = page.locator(".tree > li.entry").filter(has_text="Printers")
    category.locator("input[name=name]").first.fill("Printers & Scanners")
    category.locator("text=Rename").first.click()
    expect(page.locator(".flash-success")).to_have_text("Renamed.")
    category = page.locator(".tree > li.entry").filter(has_text="Printers & Scanners")
    category.get_by_placeholder("New subcategory").fill("Toner")
    category.locator("text=Add subcategory").click()
    expect(page.locator(".tree.sub")).to_contain_text("Toner")

    page.check("label:has-text('Agent') input[name=members]")
    page.fill("#display_name", "Hardware Service")
    page.click("text=Save group")
    expect(page.locator(".flash-success")).to_have_text("Group saved.")
    entry = page.locator(".tree > li.entry").filter(has_text="Printers & Scanners")
    entry.locator(":scope > .entry-row button", has_text="Deactivate").click()
    expect(page.locator(".tree > li.entry .entry-name").first).to_contain_text("Inactive")
    page.screenshot(path=tmp_path / "catalog-group.png", full_page=True)

    with runtime.sessions() as session:
        group = session.scalars(select(Group).options(selectinload(Group.members))).one()
        category_row = session.scalars(select(Category)).one()
        assert (group.name, group.display_name, [m.email for m in group.members]) == (
            "Hardware", "Hardware Service", ["agent@corp.example"]
        )
        assert (category_row.name, category_row.active, [s.name for s in category_row.subcategories]) == (
            "Printers & Scanners", False, ["Toner"]
        )
    assert problems == []


@pytest.mark.parametrize("width", [1280, 390])
def test_every_admin_page_renders_cleanly(
    live_server: str, signed_in_admin: Page, chromium_browser: Browser, tmp_path: Path, width: int  # noqa: F811
) -> None:
    context = chromium_browser.new_context(
        viewport={"width": width, "height": 860}, storage_state=signed_in_admin.context.storage_state()
    )
    try:
        page = context.new_page()
        problems = _watch(page)
        for name, path in PAGES.items():
            page.goto(f"{live_server}{path}")
            expect(page.locator("h1")).to_be_visible()
            expect(page.locator("nav a[aria-current=page]")).to_have_count(1)
            page.screenshot(path=tmp_path / f"{name}-{width}.png", full_page=True)
            assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{path} is wider than {width}px"
        assert problems == []
    finally:
        context.close()
