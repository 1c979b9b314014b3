"""The portal in the real Chromium.

With JavaScript off: a mail-only employee claims an account through the link that the local
mail sink received, opens a request with a file (after a refused program), replies with
another, reads the staff's answer (which reached the sink, like the acknowledgement), and
closes the request; in between, the same pages at a phone's width, with screenshots (kept
under the test's tmp_path). With JavaScript on: the category cascade, under the
Content-Security-Policy (any console error fails the test)."""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    ViewportSize,
    expect,
)
from sqlalchemy import select

from core.catalog import resolve_path
from core.contracts import ContractTerms, save_contract
from core.db import unit_of_work
from core.models import MessageKind, Ticket
from core.organizations import add_member, add_organization
from core.runtime import Runtime
from core.tickets import MessageBody, add_message, get_ticket
from core.users import get_user, mail_user
from postdesk.worker.delivery import deliver_due
from postdesk.worker.transports import MailSink
from tests.browser_fixtures import serving
from tests.portal_helpers import ADA, ALICE, BOB, PASSWORD, add_people, make_app

pytestmark = pytest.mark.browser

MAX = "max@corp.example"
MAX_PASSWORD = "max chooses a long passphrase"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
PHONE: ViewportSize = {"width": 390, "height": 844}


@pytest.fixture
def live_server(runtime: Runtime) -> Iterator[str]:
    add_people(runtime)
    with unit_of_work(runtime.sessions) as session:
        mail_user(session, MAX, "Max Mail")
    with serving(make_app(runtime)) as port:
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
def no_js(chromium_browser: Browser) -> Iterator[BrowserContext]:
    context = chromium_browser.new_context(java_script_enabled=False, viewport={"width": 1100, "height": 860})
    yield context
    context.close()


def _sink_mails(runtime: Runtime) -> list[email.message.EmailMessage]:
    """Deliver the outbox into the local mail sink, as the worker does, and read the sink."""
    sink = runtime.settings.mail_sink_dir
    deliver_due(runtime, MailSink(sink))
    paths = sorted(sink.glob("*.eml"), key=lambda path: path.stat().st_mtime_ns)
    return [email.message_from_bytes(path.read_bytes(), policy=email.policy.default) for path in paths]


def _text_of(mail: email.message.EmailMessage) -> str:
    body = mail.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def _claim(page: Page, live_server: str, runtime: Runtime) -> None:
    page.goto(f"{live_server}/portal/claim")
    page.fill("#email", MAX)
    page.click("button.primary")
    expect(page.locator(".flash-success")).to_contain_text("we have mailed it a link")
    [mail] = [m for m in _sink_mails(runtime) if MAX in str(m["To"])]
    link = re.search(r"http://\S+/portal/claim/\S+", _text_of(mail))
    assert link, _text_of(mail)
    page.goto(link.group(0).replace(runtime.settings.base_url, live_server))
    page.fill("#password", MAX_PASSWORD)
    page.fill("#repeat", MAX_PASSWORD)
    page.click("button.primary")
    expect(page).to_have_url(f"{live_server}/portal/tickets")
    expect(page.locator(".flash-success")).to_contain_text("Welcome!")


def _refused_first(page: Page, tmp_path: Path) -> None:
    """A program and a blank description: both errors next to their fields, the title kept."""
    program = tmp_path / "driver.exe"
    program.write_bytes(b"MZ\x90\x00")
    page.fill("#title", "Docking station does not charge")
    page.fill("#description", "   ")
    page.set_input_files("#files", [program])
    page.click("text=Send request")
    expect(page.locator("#description-error")).to_have_text("Describe what you need.")
    expect(page.locator("#files-error")).to_have_text("driver.exe: .exe files can run programs and are not accepted.")
    expect(page.locator("#title")).to_have_value("Docking station does not charge")
    page.screenshot(path=tmp_path / "desktop-new-refused.png", full_page=True)


def _open_request(page: Page, tmp_path: Path) -> int:
    page.click("text=New request >> nth=0")
    expect(page.locator("h1")).to_have_text("New request")
    _refused_first(page, tmp_path)
    page.fill("#title", "Docking station does not charge")
    page.fill("#description", "Since Monday the laptop runs on battery when docked.")
    page.select_option("#catalog", label="IT / Hardware / Laptops")
    page.select_option("#priority", "high")
    screenshot = tmp_path / "photo.png"
    screenshot.write_bytes(PNG)
    page.set_input_files("#files", [screenshot])
    page.click("text=Send request")
    expect(page.locator(".flash-success")).to_contain_text("Thank you: your request is #")
    number = int(re.search(r"/portal/tickets/(\d+)", page.url).group(1))  # type: ignore[union-attr]
    expect(page.locator("h1")).to_contain_text("Docking station does not charge")
    expect(page.locator(".fields")).to_contain_text("IT / Hardware / Laptops")
    expect(page.locator(".attachments a")).to_have_text("photo.png")
    return number


def _reply(page: Page, tmp_path: Path) -> None:
    log = tmp_path / "dock.log"
    log.write_text("usb-c: no power delivery\n")
    page.fill("#body", "Here is the log from this morning.")
    page.set_input_files("#reply #files", [log])
    page.click("text=Send reply")
    expect(page.locator(".flash-success")).to_have_text("Your reply was added.")
    expect(page.locator(".conversation > li")).to_have_count(2)
    expect(page.locator(".conversation > li").last).to_contain_text("Here is the log from this morning.")
    expect(page.locator(".conversation > li").last.locator(".attachments a")).to_have_text("dock.log")


def _staff_answers(runtime: Runtime, number: int) -> None:
    with unit_of_work(runtime.sessions) as session:
        ticket = get_ticket(session, number)
        add_message(session, ticket, author=get_user(session, ADA), kind=MessageKind.WEB, body=MessageBody(text="A new charger is on its way."))
        add_message(session, ticket, author=get_user(session, ADA), kind=MessageKind.NOTE, body=MessageBody(text="Third dock this month."))


def test_an_employee_claims_opens_replies_and_closes_without_javascript(
    live_server: str, runtime: Runtime, no_js: BrowserContext, chromium_browser: Browser, tmp_path: Path
) -> None:
    page = no_js.new_page()
    _claim(page, live_server, runtime)
    number = _open_request(page, tmp_path)
    _reply(page, tmp_path)

    _staff_answers(runtime, number)
    page.reload()
    expect(page.locator(".conversation")).to_contain_text("A new charger is on its way.")
    expect(page.locator(".conversation")).not_to_contain_text("Third dock")
    about_it = [_text_of(m) for m in _sink_mails(runtime) if MAX in str(m["To"]) and f"[#{number}]" in m["Subject"]]
    assert any("we have received your request" in body for body in about_it), "the acknowledgement"
    assert any("A new charger is on its way." in body for body in about_it), "the staff reply"

    page.screenshot(path=tmp_path / "desktop-ticket.png", full_page=True)
    _phone_screenshots(chromium_browser, no_js, live_server, number, tmp_path)

    page.click("text=This is solved: close it")
    expect(page.locator(".fields .badge")).to_have_text("Closed")
    expect(page.locator("#reply")).to_have_count(0)
    with runtime.sessions() as session:
        ticket = session.scalars(select(Ticket).where(Ticket.id == number)).one()
        assert ticket.requester.email == MAX and ticket.status.value == "closed"


def _phone_screenshots(browser: Browser, signed_in: BrowserContext, live_server: str, number: int, tmp_path: Path) -> None:
    """The same session at a phone's width: nothing may be wider than the screen."""
    phone = browser.new_context(java_script_enabled=False, viewport=PHONE, storage_state=signed_in.storage_state())
    try:
        page = phone.new_page()
        for name, path in (("list", "/portal/tickets"), ("ticket", f"/portal/tickets/{number}"), ("new", "/portal/new")):
            page.goto(f"{live_server}{path}")
            shot = tmp_path / f"phone-{name}.png"
            page.screenshot(path=shot, full_page=True)
            assert _width_of(shot) == PHONE["width"], f"{name} is wider than the phone"
    finally:
        phone.close()


def _width_of(png: Path) -> int:
    """A full-page screenshot is as wide as the page's content: the IHDR width."""
    return int.from_bytes(png.read_bytes()[16:20], "big")


def test_the_category_cascade_with_javascript(live_server: str, chromium_browser: Browser, tmp_path: Path) -> None:
    context = chromium_browser.new_context(viewport=PHONE)
    problems: list[str] = []
    try:
        page = context.new_page()
        page.on("console", lambda message: _record_error(problems, message))
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.goto(f"{live_server}/login?next=/portal/new")
        page.fill("#email", ALICE)
        page.fill("#password", PASSWORD)
        page.click("button.primary")
        expect(page.locator("h1")).to_have_text("New request")

        expect(page.locator("#catalog")).to_be_hidden()
        group, category, sub = (page.locator(f"#catalog-level-{depth}") for depth in range(3))
        expect(category).to_be_disabled()
        group.select_option(label="IT")
        expect(category.locator("option")).to_have_text(["(any)", "Hardware", "Accounts"])
        category.select_option(label="Hardware")
        sub.select_option(label="Laptops")
        expect(page.locator("#catalog")).to_have_value("IT/Hardware/Laptops")
        group.select_option(label="Facilities")
        expect(page.locator("#catalog")).to_have_value("Facilities")
        expect(sub).to_be_disabled()
        category.select_option(label="Keys")
        page.screenshot(path=tmp_path / "phone-cascade.png", full_page=True)
        page.fill("#title", "Lost my office key")
        page.fill("#description", "Room 4.12")
        page.click("text=Send request")
        expect(page.locator(".fields")).to_contain_text("Facilities / Keys")
    finally:
        context.close()
    assert problems == []


def test_the_cascade_offers_a_category_whose_group_the_contract_does_not_cover(
    runtime: Runtime, live_server: str, chromium_browser: Browser
) -> None:
    """Bob's organization has a contract for IT / Hardware alone: IT is a step on the way to
    it, not a choice, so choosing IT submits nothing until Hardware is chosen."""
    with unit_of_work(runtime.sessions) as session:
        corp = add_organization(session, "Corp")
        add_member(session, corp, get_user(session, BOB))
        hardware = resolve_path(session, "IT/Hardware").category
        assert hardware is not None
        save_contract(session, corp, ContractTerms("Corp hardware", categories=(hardware,)))
    context = chromium_browser.new_context(viewport=PHONE)
    problems: list[str] = []
    try:
        page = context.new_page()
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.goto(f"{live_server}/login?next=/portal/new")
        page.fill("#email", BOB)
        page.fill("#password", PASSWORD)
        page.click("button.primary")
        group, category, sub = (page.locator(f"#catalog-level-{depth}") for depth in range(3))
        expect(group.locator("option")).to_have_text([re.compile(".*"), "IT"])
        group.select_option(label="IT")
        expect(category.locator("option")).to_have_text(["(any)", "Hardware"])
        expect(page.locator("#catalog")).to_have_value("")
        category.select_option(label="Hardware")
        expect(page.locator("#catalog")).to_have_value("IT/Hardware")
        sub.select_option(label="Laptops")
        expect(page.locator("#catalog")).to_have_value("IT/Hardware/Laptops")
        category.select_option(label="(any)")
        expect(page.locator("#catalog")).to_have_value("")
        expect(sub).to_be_disabled()
    finally:
        context.close()
    assert problems == []


def _record_error(problems: list[str], message: ConsoleMessage) -> None:
    if message.type == "error":
        problems.append(message.text)
