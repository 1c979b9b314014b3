"""An agent works tickets in the real Chromium: sign in, find a ticket by search with the
keyboard, reply with two files (the reply reaches an aiosmtpd relay), change the status,
bulk-assign from the list. Screenshots of the main pages at laptop and phone widths are
kept as test artifacts (under tmp_path, and under $POSTDESK_ARTIFACTS when it is set).

The pages must work under their own Content-Security-Policy: any console error fails."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, FilePayload, Page, ViewportSize, expect

from core.config import Settings
from core.db import unit_of_work
from core.models import MessageKind, Role, Source, Status
from core.runtime import Runtime
from core.tickets import MessageBody, get_ticket, open_ticket
from core.users import add_user, mail_user
from postdesk.worker.delivery import deliver_due
from postdesk.worker.transports import SmtpRelay
from tests.relay import Relay
from tests.test_web_auth import PASSWORD
from tests.test_web_tickets import relay_settings

pytestmark = pytest.mark.browser

AGENT, OTHER = "ada@corp.example", "ben@corp.example"
LAPTOP: ViewportSize = {"width": 1280, "height": 860}
PHONE: ViewportSize = {"width": 390, "height": 844}


def save_screenshot(page: Page, name: str, tmp_path: Path) -> None:
    """Into tmp_path, and into $POSTDESK_ARTIFACTS (e.g. for CI to keep) when it is set."""
    folders = [tmp_path, *([Path(os.environ["POSTDESK_ARTIFACTS"])] if os.environ.get("POSTDESK_ARTIFACTS") else [])]
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=folder / f"{name}.png", full_page=True)


@pytest.fixture
def queue(runtime: Runtime) -> dict[str, int]:
    """Two agents and a small queue from three requesters."""
    titles = {
        "printer": ("alice@corp.example", "Printer on 3rd floor is jammed", "The toner cartridge shows error E-42."),
        "vpn": ("bob@corp.example", "VPN drops every hour", "Since Monday the VPN disconnects."),
        "laptop": ("carol@corp.example", "Laptop very slow", "Boot takes ten minutes."),
        "mail": ("dan@corp.example", "Shared mailbox missing", "The HR mailbox vanished from Outlook."),
    }
    with unit_of_work(runtime.sessions) as session:
        add_user(session, AGENT, role=Role.AGENT, name="Ada Agent", password=PASSWORD)
        add_user(session, OTHER, role=Role.AGENT, name="Ben Agent", password=PASSWORD)
        return {
            key: open_ticket(session, requester=mail_user(session, email), title=title, body=MessageBody(text=body),
                             source=Source.EMAIL, message_kind=MessageKind.EMAIL_IN).id  # fmt: skip
            for key, (email, title, body) in titles.items()
        }


@pytest.fixture
def page(chromium_browser: Browser) -> Iterator[Page]:
    context = chromium_browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda message: _record_error(problems, message))
    page.on("pageerror", lambda error: problems.append(str(error)))
    yield page
    context.close()
    assert problems == []


def _record_error(problems: list[str], message: ConsoleMessage) -> None:
    if message.type == "error":
        problems.append(message.text)


def test_agent_finds_replies_changes_status_and_bulk_assigns(
    live_server: str, queue: dict[str, int], page: Page, runtime: Runtime,  # noqa: F811
    settings: Settings, relay: Relay, chromium_browser: Browser, tmp_path: Path,
) -> None:  # fmt: skip
    number = queue["printer"]
    page.goto(f"{live_server}/login")
    page.fill("#email", AGENT)
    page.fill("#password", PASSWORD)
    page.click("button.primary")
    expect(page.locator("table.tickets tbody tr")).to_have_count(4)
    expect(page.locator("[data-count-for='open']")).to_have_text("4")
    save_screenshot(page, "tickets", tmp_path)

    page.wait_for_load_state("load")
    page.keyboard.press("/")
    expect(page.locator("#q")).to_be_focused()
    page.keyboard.type("cartridge")
    page.keyboard.press("Enter")
    expect(page.locator("table.tickets tbody tr")).to_have_count(1)
    page.wait_for_load_state("load")  # the row is parsed before the deferred script binds the keys
    page.keyboard.press("j")
    expect(page.locator("tr.current td.title a")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server}/admin/tickets/{number}")

    page.fill("#reply-body", "Please try the spare cartridge; instructions attached.")
    files: list[FilePayload] = [
        {"name": "instructions.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%%EOF\n"},
        {"name": "checklist.txt", "mimeType": "text/plain", "buffer": b"1. open the front cover\n"},
    ]
    page.set_input_files("#reply-files", files)
    page.click("text=Send reply")
    expect(page.locator(".flash-success")).to_have_text("Reply sent.")
    expect(page.locator(".message.kind-web .attachments a")).to_have_count(2)
    deliver_due(runtime, SmtpRelay(relay_settings(settings, relay)))
    [mail] = [m for m in relay.received if "spare cartridge" in str(m.get_body(("plain",)))]
    assert mail["Subject"] == f"[#{number}] Printer on 3rd floor is jammed"
    assert sorted(str(part.get_filename()) for part in mail.iter_attachments()) == ["checklist.txt", "instructions.pdf"]

    page.select_option("#status-status", "waiting_on_customer")
    page.click("#status-form button")
    expect(page.locator(".flash-success")).to_have_text("The status is waiting on customer now.")
    expect(page.locator(".fields .badge.status-waiting_on_customer")).to_be_visible()
    expect(page.locator(".timeline")).to_contain_text("changed the status from New to Waiting on customer")
    save_screenshot(page, "ticket", tmp_path)

    page.click("text=← Tickets")
    for key in ("vpn", "laptop"):
        page.check(f"input[name='bulk-ids'][value='{queue[key]}']")
    page.select_option("#bulk-action", "assign")
    expect(page.locator("#bulk-status")).to_be_hidden()
    page.select_option("#bulk-assignee", label="Ben Agent")
    page.click("#bulk button[type=submit]")
    expect(page.locator(".flash-success")).to_contain_text("Updated 2 ticket(s)")
    with runtime.sessions() as session:
        assignees = [get_ticket(session, queue[key]).assignee for key in ("vpn", "laptop")]
        assert [user.email if user else None for user in assignees] == [OTHER, OTHER]
        assert get_ticket(session, number).status is Status.WAITING_ON_CUSTOMER

    _phone_screenshots(chromium_browser, page, live_server, number, tmp_path)


def _phone_screenshots(browser: Browser, signed_in: Page, base: str, number: int, tmp_path: Path) -> None:
    """The list and the ticket on a phone: nothing wider than the screen."""
    phone = browser.new_context(viewport=PHONE, storage_state=signed_in.context.storage_state())
    try:
        page = phone.new_page()
        for name, path in (("tickets-phone", "/admin/tickets"), ("ticket-phone", f"/admin/tickets/{number}")):
            page.goto(f"{base}{path}")
            expect(page.locator("h1")).to_be_visible()
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], name
            save_screenshot(page, name, tmp_path)
    finally:
        phone.close()
