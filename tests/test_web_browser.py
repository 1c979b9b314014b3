"""The panel in the real Chromium: sign in through the form, read the list, open a ticket.

The page must work under its own Content-Security-Policy: any console error (a blocked
script or stylesheet included) fails the test."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from core.db import unit_of_work
from core.models import MessageKind, Role, Source
from core.runtime import Runtime
from core.tickets import MessageBody, NewAttachment, add_message, open_ticket
from core.users import add_user
from tests.test_web_auth import PASSWORD

pytestmark = pytest.mark.browser

AGENT = "ada@corp.example"
MAIL_HTML = (
    "<p>Hello IT,</p><p>the printer on the <b>3rd floor</b> shows error <code>E-42</code>:</p>"
    "<ul><li>paper tray 2 is empty</li><li>the display blinks</li></ul><p>Thanks, Alice</p>"
)
MAIL_TEXT = (
    "Hello IT,\n\nthe printer on the 3rd floor shows error E-42:\n\n"
    " * paper tray 2 is empty\n * the display blinks\n\nThanks, Alice"
)


@pytest.fixture
def printer_ticket(runtime: Runtime) -> int:
    """An inbound HTML mail with an attachment, then an internal note by the agent."""
    stored = runtime.blobs.put(b"%PDF-1.4\n%%EOF\n")
    photo = NewAttachment("error-display.pdf", "application/pdf", stored.size, stored.sha256)
    with unit_of_work(runtime.sessions) as session:
        agent = add_user(session, AGENT, role=Role.AGENT, name="Ada Agent", password=PASSWORD)
        alice = add_user(session, "alice@corp.example", role=Role.CLIENT, name="Alice Example")
        ticket = open_ticket(
            session,
            requester=alice,
            title="Printer on 3rd floor is jammed",
            body=MessageBody(text=MAIL_TEXT, html=MAIL_HTML, attachments=(photo,)),
            source=Source.EMAIL,
            message_kind=MessageKind.EMAIL_IN,
        )
        note = MessageBody(text="Toner supplier called; technician comes Tuesday.")
        add_message(session, ticket, author=agent, kind=MessageKind.NOTE, body=note)
        return ticket.id


def test_agent_signs_in_and_reads_a_ticket(
    live_server: str, printer_ticket: int, page: Page, chromium_browser: Browser, tmp_path: Path
) -> None:
    problems: list[str] = []
    page.on("console", lambda message: _record_error(problems, message))
    page.on("pageerror", lambda error: problems.append(str(error)))

    page.goto(f"{live_server}/admin/tickets")
    expect(page).to_have_title("Sign in · Postdesk")
    page.fill("#email", AGENT)
    page.fill("#password", PASSWORD)
    page.click("button.primary")

    expect(page).to_have_url(f"{live_server}/admin/tickets")
    expect(page.locator("h1")).to_have_text("Tickets")
    expect(page.locator("table.tickets tbody tr")).to_have_count(1)
    page.screenshot(path=tmp_path / "tickets.png", full_page=True)

    page.click("text=Printer on 3rd floor is jammed")
    expect(page).to_have_url(f"{live_server}/admin/tickets/{printer_ticket}")
    expect(page).to_have_title(f"#{printer_ticket} Printer on 3rd floor is jammed · Postdesk")
    expect(page.locator("h1")).to_have_text(f"#{printer_ticket} Printer on 3rd floor is jammed")
    expect(page.locator(".kind-note")).to_contain_text("Internal note")
    expect(page.locator(".attachments a")).to_have_attribute("href", "/admin/attachments/1")
    page.screenshot(path=tmp_path / "ticket.png", full_page=True)

    _toggle_to_plain_text(page)
    _check_phone_layout(chromium_browser, page, f"{live_server}/admin/tickets/{printer_ticket}", tmp_path)
    assert problems == []


def _record_error(problems: list[str], message: ConsoleMessage) -> None:
    if message.type == "error":
        problems.append(message.text)


def _toggle_to_plain_text(page: Page) -> None:
    mail = page.locator(".kind-email_in")
    toggle = mail.locator("[data-toggle-body]")
    expect(mail.locator(".body-html")).to_be_visible()
    expect(mail.locator(".body-text")).to_be_hidden()
    toggle.click()
    expect(mail.locator(".body-text")).to_be_visible()
    expect(mail.locator(".body-text")).to_contain_text("* paper tray 2 is empty")
    expect(mail.locator(".body-html")).to_be_hidden()
    expect(toggle).to_have_text("Show HTML")
    toggle.click()
    expect(mail.locator(".body-html")).to_be_visible()


def _check_phone_layout(browser: Browser, signed_in: Page, url: str, tmp_path: Path) -> None:
    """The same page on a phone-sized screen: nothing wider than the screen."""
    phone = browser.new_context(viewport={"width": 390, "height": 844}, storage_state=signed_in.context.storage_state())
    try:
        page = phone.new_page()
        page.goto(url)
        expect(page.locator("h1")).to_contain_text("Printer on 3rd floor")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=tmp_path / "ticket-phone.png", full_page=True)
    finally:
        phone.close()
