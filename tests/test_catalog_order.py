"""The catalog's order: new entries go last, the admin's up/down buttons move an entry among
its siblings, the migration keeps an existing installation's order (by name), and every list
people choose from follows it: the portal's new-request form (the plain select and the
JavaScript cascade), the staff's category picker and the catalog pages themselves."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from core.catalog import add_path, catalog_tree, move, resolve_path
from core.db import make_engine, unit_of_work
from core.migrate import upgrade
from core.models import Category, Group, MessageKind, Source, Subcategory
from core.runtime import Runtime
from core.tickets import MessageBody, open_ticket
from core.users import get_user
from tests.db_fixtures import BACKENDS
from tests.test_web_auth import PASSWORD
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

CATALOG = ("IT", "IT/Hardware", "IT/Hardware/Laptops", "IT/Hardware/Docks", "IT/Accounts", "Facilities",
           "Facilities/Keys")  # fmt: skip
_OPTION = re.compile(r'<option[^>]*value="([^"]*)"[^>]*>([^<]*)</option>')


def _add_catalog(runtime: Runtime) -> None:
    with unit_of_work(runtime.sessions) as session:
        for path in CATALOG:
            add_path(session, path)


def _ids(runtime: Runtime, *paths: str) -> list[int]:
    with runtime.sessions() as session:
        entries = [resolve_path(session, path) for path in paths]
        return [(entry.subcategory or entry.category or entry.group).id for entry in entries]  # type: ignore[union-attr]


def _tree(session: Session) -> list[str]:
    """Every entry's path in the catalog's order, depth first."""
    paths = []
    for group in catalog_tree(session, active_only=False):
        paths.append(group.name)
        for category in group.categories:
            paths.append(f"{group.name}/{category.name}")
            paths += [f"{group.name}/{category.name}/{sub.name}" for sub in category.subcategories]
    return paths


def _move(runtime: Runtime, path: str, steps: int) -> None:
    with unit_of_work(runtime.sessions) as session:
        entry = resolve_path(session, path)
        move(session, entry.subcategory or entry.category or entry.group, steps)  # type: ignore[arg-type]


def test_new_entries_go_last_and_moves_stop_at_either_end(runtime: Runtime) -> None:
    _add_catalog(runtime)
    with runtime.sessions() as session:
        assert _tree(session) == ["IT", "IT/Hardware", "IT/Hardware/Laptops", "IT/Hardware/Docks", "IT/Accounts",
                                  "Facilities", "Facilities/Keys"]  # fmt: skip
    _move(runtime, "IT/Accounts", -1)
    _move(runtime, "IT/Hardware/Docks", -5)
    _move(runtime, "Facilities", -1)
    _move(runtime, "IT", 1)
    _move(runtime, "IT", 1)
    with runtime.sessions() as session:
        assert _tree(session) == ["Facilities", "Facilities/Keys", "IT", "IT/Accounts", "IT/Hardware",
                                  "IT/Hardware/Docks", "IT/Hardware/Laptops"]  # fmt: skip
        positions = {
            kind.__name__: sorted(session.scalars(select(kind.position)))
            for kind in (Group, Category, Subcategory)
        }
    assert positions == {"Group": [0, 1], "Category": [0, 0, 1], "Subcategory": [0, 1]}


def test_an_entry_added_after_a_move_still_goes_last(runtime: Runtime) -> None:
    _add_catalog(runtime)
    _move(runtime, "IT/Accounts", -1)
    with unit_of_work(runtime.sessions) as session:
        add_path(session, "IT/Printers")
        assert [c.name for c in resolve_path(session, "IT").group.categories] == ["Accounts", "Hardware", "Printers"]


@pytest.fixture(params=BACKENDS)
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database without any schema yet, on each backend."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
        yield engine
        engine.dispose()
        return
    server = request.getfixturevalue("postgres_server")
    name = f"catalog_order_{os.getpid()}"
    server.create_database(name)
    engine = make_engine(server.url(name))
    yield engine
    engine.dispose()
    server.drop_database(name)


def test_the_migration_orders_existing_entries_by_name(empty_engine: Engine) -> None:
    upgrade(empty_engine, "0007")
    with empty_engine.begin() as connection:
        for name in ("Zeta", "Alpha", "Mid"):
            connection.execute(sa.text("INSERT INTO groups (name, display_name, active) VALUES (:n, :n, :a)"),
                               {"n": name, "a": True})  # fmt: skip
        zeta, alpha = (connection.scalar(sa.text("SELECT id FROM groups WHERE name = :n"), {"n": n}) for n in ("Zeta", "Alpha"))
        for group, name in ((zeta, "b"), (zeta, "c"), (zeta, "a"), (alpha, "z")):
            connection.execute(sa.text("INSERT INTO categories (group_id, name, active) VALUES (:g, :n, :a)"),
                               {"g": group, "n": name, "a": True})  # fmt: skip
    upgrade(empty_engine)
    with Session(empty_engine) as session:
        assert _tree(session) == ["Alpha", "Alpha/z", "Mid", "Zeta", "Zeta/a", "Zeta/b", "Zeta/c"]
        assert sorted(session.scalars(select(Category.position).where(Category.group_id == zeta))) == [0, 1, 2]


@pytest.fixture
def app(runtime: Runtime) -> Flask:
    add_people(runtime)
    _add_catalog(runtime)
    return make_app(runtime)


def test_the_admin_moves_entries_with_the_buttons(runtime: Runtime, app: Flask) -> None:
    admin = client_for(app, ADMIN)
    it, accounts, docks = _ids(runtime, "IT", "IT/Accounts", "IT/Hardware/Docks")
    moved = post(admin, f"/admin/catalog/categories/{accounts}/move", direction="up", follow=True)
    assert flashes(moved) == [("success", "Moved.")]
    assert moved.request.path == f"/admin/catalog/groups/{it}"
    post(admin, f"/admin/catalog/subcategories/{docks}/move", direction="up")
    group_page = text(admin.get(f"/admin/catalog/groups/{it}"))
    assert re.findall(r'<span class="entry-name">([^<]+)</span>', group_page) == ["Accounts", "Hardware", "Docks", "Laptops"]
    assert 'aria-label="Move Accounts up" title="Move up" disabled' in group_page
    assert 'aria-label="Move Hardware down" title="Move down" disabled' in group_page

    moved = post(admin, f"/admin/catalog/groups/{it}/move", direction="down", follow=True)
    assert moved.request.path == "/admin/catalog"
    assert re.findall(r'<td class="title"><a href="[^"]+">([^<]+)</a>', text(moved)) == ["Facilities", "IT"]


def test_a_move_without_a_direction_is_refused(runtime: Runtime, app: Flask) -> None:
    admin = client_for(app, ADMIN)
    [accounts] = _ids(runtime, "IT/Accounts")
    assert post(admin, f"/admin/catalog/categories/{accounts}/move", direction="sideways").status_code == 400
    assert post(admin, "/admin/catalog/categories/999999/move", direction="up").status_code == 404
    with runtime.sessions() as session:
        assert [c.name for c in resolve_path(session, "IT").group.categories] == ["Hardware", "Accounts"]


def test_the_portal_and_the_staff_pickers_follow_the_order(runtime: Runtime, app: Flask) -> None:
    _move(runtime, "Facilities", -1)
    _move(runtime, "IT/Accounts", -1)
    _move(runtime, "IT/Hardware/Docks", -1)
    portal = text(client_for(app, CLIENT).get("/portal/new"))
    choices = [value for value, _label in _OPTION.findall(portal) if value.startswith(("IT", "Facilities"))]
    assert choices == ["Facilities", "Facilities/Keys", "IT", "IT/Accounts", "IT/Hardware", "IT/Hardware/Docks",
                       "IT/Hardware/Laptops"]  # fmt: skip

    with unit_of_work(runtime.sessions) as session:
        ticket = open_ticket(session, requester=get_user(session, CLIENT), title="Order", source=Source.EMAIL,
                             body=MessageBody(text="x"), message_kind=MessageKind.EMAIL_IN)  # fmt: skip
        number = ticket.id
    staff_page = text(client_for(app, AGENT).get(f"/admin/tickets/{number}"))
    labels = [label for value, label in _OPTION.findall(staff_page) if value[:2] in {"g:", "c:", "s:"}]
    assert labels == ["Facilities", "Facilities / Keys", "IT", "IT / Accounts", "IT / Hardware",
                      "IT / Hardware / Docks", "IT / Hardware / Laptops"]  # fmt: skip


@pytest.mark.browser
def test_a_move_in_the_browser_reorders_the_portal_cascade(
    runtime: Runtime, live_server: str, page: Page, chromium_browser: Browser
) -> None:
    add_people(runtime)
    _add_catalog(runtime)
    [it] = _ids(runtime, "IT")
    page.goto(f"{live_server}/login?next=/admin/catalog/groups/{it}")
    page.fill("#email", ADMIN)
    page.fill("#password", PASSWORD)
    page.click("button.primary")
    expect(page.locator(".tree > li.entry > .entry-row > .entry-name")).to_have_text(["Hardware", "Accounts"])
    expect(page.get_by_label("Move Hardware up")).to_be_disabled()
    page.get_by_label("Move Accounts up").click()
    expect(page.locator(".flash-success")).to_have_text("Moved.")
    expect(page.locator(".tree > li.entry > .entry-row > .entry-name")).to_have_text(["Accounts", "Hardware"])

    context = chromium_browser.new_context()
    try:
        portal = context.new_page()
        portal.goto(f"{live_server}/login?next=/portal/new")
        portal.fill("#email", CLIENT)
        portal.fill("#password", PASSWORD)
        portal.click("button.primary")
        group, category = portal.locator("#catalog-level-0"), portal.locator("#catalog-level-1")
        expect(group.locator("option:not([value=''])")).to_have_text(["IT", "Facilities"])
        group.select_option(label="IT")
        expect(category.locator("option")).to_have_text(["(any)", "Accounts", "Hardware"])
    finally:
        context.close()
