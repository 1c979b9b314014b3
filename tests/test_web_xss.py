"""Hostile mail shown in the real Chromium runs no script.

A mail whose HTML, subject, sender name and attachment name carry script (`<script>`, event
handlers, `javascript:` links, CSS tricks, SVG, frames, forms, a meta refresh) goes through
the real intake (`mailgateway.intake.ingest`), then an agent opens it in the staff panel,
switches to plain text and back, and clicks every link. Each payload would set
`window.pwned`; it must stay undefined. The sanitiser (nh3, at intake) is the first wall and
the Content-Security-Policy the second: the DOM checks prove the first held on its own."""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Dialog, Page, expect

from core.db import unit_of_work
from core.models import Role
from core.runtime import Runtime
from core.users import add_user
from mailgateway.intake import Gateway
from tests.mail_fixtures import SUPPORT, deliver
from tests.test_web_auth import PASSWORD

pytestmark = pytest.mark.browser

AGENT = "ada@corp.example"
PWN = "window.pwned=1"
HOSTILE_HTML = f"""<html><head>
<meta http-equiv="refresh" content="0;url=javascript:{PWN}">
<base href="javascript:{PWN}//">
<style>body {{ background: url("javascript:{PWN}") }} .x {{ behavior: url(x.htc) }}</style>
<script>{PWN}</script>
</head><body onload="{PWN}">
<p>Hello, the printer is broken.</p>
<img src=x onerror="{PWN}">
<img src="cid:nothing" onerror="{PWN}" alt="inline">
<a id="js" href="javascript:{PWN}">Click me</a>
<a href=" JaVaScRiPt&colon;{PWN}">Encoded link</a>
<a href="data:text/html;base64,PHNjcmlwdD53aW5kb3cucHduZWQ9MTwvc2NyaXB0Pg==">Data link</a>
<div style="background:url(javascript:{PWN}); width: expression({PWN})" onclick="{PWN}">Styled box</div>
<svg><script>{PWN}</script><animate onbegin="{PWN}" attributeName="x"/></svg>
<math><mtext><table><mglyph><style><img src=x onerror="{PWN}">
<iframe src="javascript:{PWN}"></iframe><iframe srcdoc="<script>parent.{PWN}</script>"></iframe>
<object data="javascript:{PWN}"></object><embed src="javascript:{PWN}">
<form action="javascript:{PWN}"><button>Submit form</button></form>
<details open ontoggle="{PWN}"><summary>More</summary>hidden</details>
<!-- <img src=x onerror="{PWN}"> -->
</body></html>"""


def hostile_mail() -> bytes:
    message = EmailMessage()
    message["From"] = f'"<img src=x onerror={PWN}>" <mallory@corp.example>'
    message["To"] = SUPPORT
    message["Subject"] = f"<script>{PWN}</script> printer"
    message.set_content("Hello, the printer is broken. <script>window.pwned=1</script>")
    message.add_alternative(HOSTILE_HTML, subtype="html")
    message.add_attachment(f"<script>{PWN}</script>".encode(), maintype="text", subtype="html",
                           filename=f'"><img src=x onerror={PWN}>.html')  # fmt: skip
    return message.as_bytes(policy=policy.SMTP)


@pytest.fixture
def hostile_ticket(runtime: Runtime, gateway: Gateway) -> int:
    with unit_of_work(runtime.sessions) as session:
        add_user(session, AGENT, role=Role.AGENT, name="Ada Agent", password=PASSWORD)
    result = deliver(gateway, hostile_mail())
    assert result.ticket is not None, result
    return result.ticket


def sign_in(page: Page, base: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#email", AGENT)
    page.fill("#password", PASSWORD)
    page.click("button.primary")
    expect(page).to_have_url(f"{base}/admin/tickets")


def assert_not_pwned(page: Page) -> None:
    assert page.evaluate("typeof window.pwned") == "undefined"


def test_hostile_mail_runs_no_script(
    live_server: str, hostile_ticket: int, chromium_browser: Browser, tmp_path: Path  # noqa: F811
) -> None:
    context = chromium_browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    dialogs: list[str] = []

    def refuse(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", refuse)
    try:
        sign_in(page, live_server)
        expect(page.locator("td.title a")).to_have_text(f"<script>{PWN}</script> printer")
        assert_not_pwned(page)
        page.goto(f"{live_server}/admin/tickets/{hostile_ticket}")
        mail = page.locator(".kind-email_in .mail-html")
        expect(mail).to_contain_text("Hello, the printer is broken.")
        assert_not_pwned(page)
        dangerous = mail.evaluate(
            """(root) => Array.from(root.querySelectorAll('*')).filter((node) =>
                 ['SCRIPT', 'STYLE', 'IFRAME', 'OBJECT', 'EMBED', 'FORM', 'SVG', 'MATH', 'META', 'BASE'].includes(node.tagName.toUpperCase())
                 || Array.from(node.attributes).some((a) => a.name.startsWith('on')
                      || /^\\s*(javascript|data|vbscript):/i.test(a.value))).map((node) => node.outerHTML)"""
        )
        assert dangerous == []
        for link in mail.locator("a").all():
            link.click()
            assert_not_pwned(page)
        expect(page).to_have_url(f"{live_server}/admin/tickets/{hostile_ticket}")
        page.locator("[data-toggle-body]").click()
        expect(page.locator(".kind-email_in .body-text")).to_contain_text("<script>window.pwned=1</script>")
        page.locator("[data-toggle-body]").click()
        with page.expect_download() as download:  # an HTML attachment is a download, never a page
            page.locator(".attachments a").click()
        assert download.value.suggested_filename.endswith(".html")
        assert_not_pwned(page)
        page.screenshot(path=tmp_path / "xss-ticket.png", full_page=True)
        assert dialogs == []
    finally:
        context.close()
