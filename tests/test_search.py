"""The ticket list's SQL (core.ticket_queries, core.search) on SQLite (FTS5) and PostgreSQL
(GIN + websearch_to_tsquery): search, filters, counts per status, and keyset pages that
return every ticket exactly once, in both directions, also when sort keys tie."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from core import search, ticket_queries
from core.catalog import add_path
from core.db import unit_of_work
from core.merge import merge_tickets
from core.models import MessageKind, Priority, Role, Source, Status, Ticket, User
from core.runtime import Runtime
from core.search import fts5_query
from core.ticket_queries import Cursor, Sort, TicketFilter, status_counts, ticket_page
from core.tickets import MessageBody, add_message, assign, get_ticket, open_ticket
from core.users import add_user, get_user, mail_user
from tests.test_web_tickets import agent, app, people  # noqa: F401  (fixtures)
from tests.test_web_admin import add_note, open_for
from webadmin.staff import ticket_list

ALICE = "alice@corp.example"


def _open(session: Session, email: str, title: str, body: str) -> Ticket:
    return open_ticket(session, requester=mail_user(session, email), title=title, body=MessageBody(text=body),
                       source=Source.EMAIL, message_kind=MessageKind.EMAIL_IN)  # fmt: skip


@pytest.fixture
def corpus(runtime: Runtime) -> dict[str, int]:
    with unit_of_work(runtime.sessions) as session:
        tickets = {
            "printer": _open(session, ALICE, "Printer jammed on floor 3", "The paper tray is empty."),
            "vpn": _open(session, "bob@corp.example", "VPN drops", "Not the printer driver; error E-42 again."),
            "laptop": _open(session, "carol@other.example", "Laptop slow", "It needs more RAM, Müller says."),
        }
        return {name: ticket.id for name, ticket in tickets.items()}


def staff_viewer(session: Session) -> User:
    """Someone for whom the staff list is built: an agent, who may see every ticket."""
    return add_user(session, "viewer@corp.example", role=Role.AGENT)


def found(runtime: Runtime, text: str) -> set[int]:
    with runtime.sessions() as session:
        page = ticket_page(session, TicketFilter(text=text), size=100, viewer=staff_viewer(session))
        return {ticket.id for ticket in page.tickets}


@pytest.fixture(params=["index", "walk"])
def strategy(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, runtime: Runtime, corpus: dict[str, int]) -> str:
    """`walk`: every word counts as frequent (once the corpus is analysed), so PostgreSQL
    tests ticket after ticket in list order instead of looking the words up (SQLite always
    looks them up)."""
    if request.param == "walk":
        monkeypatch.setattr(search, "DENSE_MIN_ROWS", 0)
        monkeypatch.setattr(search, "DENSE_FRACTION", 0.0)
        if runtime.engine.dialect.name == "postgresql":
            with runtime.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("ANALYZE tickets, messages"))
    return str(request.param)


@pytest.mark.parametrize(
    "query, expected",
    [
        ("printer", {"printer", "vpn"}),
        ("PRINTER -driver", {"printer"}),
        ('"tray is empty"', {"printer"}),
        ('"empty tray"', set()),
        ("vpn or laptop", {"vpn", "laptop"}),
        ("e-42", {"vpn"}),
        ("ram", {"laptop"}),
        ("alice", {"printer"}),
        ("carol@other.example", {"laptop"}),
        ("#2", {"vpn"}),
        ("!!!", set()),
        ("printer laptop", set()),
    ],
)
def test_search_language(runtime: Runtime, corpus: dict[str, int], strategy: str, query: str, expected: set[str]) -> None:
    assert found(runtime, query) == {corpus[name] for name in expected}


def test_a_frequent_word_is_walked_and_not_counted(runtime: Runtime, corpus: dict[str, int], strategy: str) -> None:
    with runtime.sessions() as session:
        branches = search.search_branches(session, "printer")
        counts = status_counts(session, TicketFilter(text="printer"), viewer=staff_viewer(session))
        walked = runtime.settings.database_url.startswith("postgresql") and strategy == "walk"
        assert [branch.walk is not None for branch in branches] == [walked, walked, False]
        assert (counts is None) == walked


def test_search_follows_edits_merges_and_deletes(runtime: Runtime, corpus: dict[str, int]) -> None:
    with unit_of_work(runtime.sessions) as session:
        get_ticket(session, corpus["laptop"]).title = "Notebook sluggish"
    assert found(runtime, "notebook") == {corpus["laptop"]} and found(runtime, "laptop") == set()
    with unit_of_work(runtime.sessions) as session:
        merge_tickets(session, get_ticket(session, corpus["vpn"]), get_ticket(session, corpus["printer"]), actor=None)
    assert found(runtime, "e-42") == {corpus["printer"]}
    with unit_of_work(runtime.sessions) as session:
        session.delete(get_ticket(session, corpus["printer"]))
    assert found(runtime, "e-42") == set() and found(runtime, "tray") == set()


def test_search_in_the_web_list_finds_a_word_of_a_message_body(runtime: Runtime, agent: FlaskClient) -> None:  # noqa: F811
    wanted, other = open_for(runtime, ALICE, "Monitor flickers"), open_for(runtime, ALICE, "Keyboard sticky")
    add_note(runtime, wanted, "Replaced the DisplayPort cable; flicker gone.")
    page = agent.get("/admin/tickets?q=displayport").get_data(as_text=True)
    assert f'href="/admin/tickets/{wanted}"' in page and f'href="/admin/tickets/{other}"' not in page
    assert 'value="displayport"' in page


def test_fts5_query_quotes_everything() -> None:
    assert fts5_query('printer "paper tray" -toner or NEAR(x) *') == '"printer" AND "paper tray" NOT "toner" OR "NEAR(x)"'
    assert fts5_query('-only it"s') == '"it""s"'
    assert fts5_query("  ") is None


@pytest.fixture
def many(runtime: Runtime) -> list[int]:
    """23 tickets; updated_at in groups of three equal values (ties), every priority; next SLA due
    times in groups of four, every fifth ticket without one."""
    base = datetime(2026, 1, 1, tzinfo=UTC)
    with unit_of_work(runtime.sessions) as session:
        tickets = [_open(session, "dave@corp.example", f"Ticket {n}", "body") for n in range(23)]
        for n, ticket in enumerate(tickets):
            ticket.updated_at = base + timedelta(hours=n // 3)
            ticket.priority = list(Priority)[n % 4]
            ticket.sla_next_due_at = None if n % 5 == 0 else base + timedelta(hours=n // 4)
        return [ticket.id for ticket in tickets]


def expected_order(runtime: Runtime, sort: Sort) -> list[int]:
    rank = {Priority.LOW: 1, Priority.MEDIUM: 2, Priority.HIGH: 3, Priority.URGENT: 4}
    with runtime.sessions() as session:
        tickets = list(session.query(Ticket))
        if sort is Sort.DUE:  # soonest first, then the tickets without a due time; ties by number
            return [t.id for t in sorted(tickets, key=lambda t: (t.sla_next_due_at is None, t.sla_next_due_at or t.updated_at, t.id))]
        keys = {Sort.UPDATED: lambda t: (t.updated_at, t.id), Sort.CREATED: lambda t: (t.created_at, t.id),
                Sort.PRIORITY: lambda t: (rank[t.priority], t.updated_at, t.id)}  # fmt: skip
        return [t.id for t in sorted(tickets, key=keys[sort], reverse=True)]


@pytest.mark.parametrize("sort", list(Sort))
def test_keyset_pages_hold_every_ticket_exactly_once(runtime: Runtime, many: list[int], sort: Sort) -> None:
    pages: list[list[int]] = []
    cursor: Cursor | None = None
    with runtime.sessions() as session:
        viewer = staff_viewer(session)
        while True:
            page = ticket_page(session, TicketFilter(), sort, Cursor.parse(sort, cursor.token()) if cursor else None, 5, viewer=viewer)
            pages.append([ticket.id for ticket in page.tickets])
            if page.older is None:
                break
            cursor = page.older
        assert [len(ids) for ids in pages] == [5, 5, 5, 5, 3]
        assert sum(pages, []) == expected_order(runtime, sort)
        back: list[list[int]] = [pages[-1]]
        newer = ticket_page(session, TicketFilter(), sort, cursor, 5, viewer=viewer).newer
        while newer is not None:
            page = ticket_page(session, TicketFilter(), sort, Cursor.parse(sort, newer.token(), before=True), 5, viewer=viewer)
            back.insert(0, [ticket.id for ticket in page.tickets])
            newer = page.newer
        assert back == pages


def test_web_pager_walks_every_ticket_once(
    runtime: Runtime, many: list[int], agent: FlaskClient, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    monkeypatch.setattr(ticket_list, "PAGE_SIZE", 4)
    seen: list[int] = []
    url: str | None = "/admin/tickets?sort=priority"
    while url:
        page = agent.get(url).get_data(as_text=True)
        seen += [int(n) for n in ticket_ids(page)]
        url = older_link(page)
    assert seen == expected_order(runtime, Sort.PRIORITY)
    assert "sort=priority" in (newer_link(page) or "")


def ticket_ids(page: str) -> list[str]:
    return re.findall(r'<td class="title"><a href="/admin/tickets/(\d+)"', page)


def older_link(page: str) -> str | None:
    match = re.search(r'<a class="older" href="([^"]+)">', page)
    return html.unescape(match.group(1)) if match else None


def newer_link(page: str) -> str | None:
    match = re.search(r'<a href="([^"]+)">← Newer</a>', page)
    return html.unescape(match.group(1)) if match else None


def test_a_bad_cursor_is_a_400(agent: FlaskClient) -> None:  # noqa: F811
    assert agent.get("/admin/tickets?after=yesterday").status_code == 400
    assert agent.get("/admin/tickets?sort=priority&before=2026-01-01T00:00:00.000000Z~1").status_code == 400


def test_filters_and_counts(runtime: Runtime, corpus: dict[str, int]) -> None:
    with unit_of_work(runtime.sessions) as session:
        staff = add_user(session, "agent@corp.example", role=Role.AGENT)
        add_path(session, "Hardware")
        printers = add_path(session, "Hardware/Printers")
        assert printers.category is not None
        printer, laptop = get_ticket(session, corpus["printer"]), get_ticket(session, corpus["laptop"])
        assign(session, printer, staff, actor=staff)
        printer.group, printer.category, printer.priority = printers.group, printers.category, Priority.URGENT
        laptop.status, laptop.created_at = Status.RESOLVED, datetime(2025, 6, 1, 12, tzinfo=UTC)
        add_message(session, laptop, author=staff, kind=MessageKind.NOTE, body=MessageBody(text="x"))
        ids = {"agent": staff.id, "group": printers.group.id, "category": printers.category.id}

    def matching(**spec: object) -> set[str]:
        with runtime.sessions() as session:
            viewer = get_user(session, "agent@corp.example")
            tickets = ticket_page(session, TicketFilter(**spec), size=100, viewer=viewer).tickets  # type: ignore[arg-type]
        return {name for name, number in corpus.items() if number in {t.id for t in tickets}}

    assert matching(statuses=ticket_queries.OPEN_STATUSES) == {"printer", "vpn"}
    assert matching(priority=Priority.URGENT) == matching(group_id=ids["group"]) == matching(category_id=ids["category"]) == {"printer"}
    assert matching(assignee_id=ids["agent"]) == {"printer"} and matching(unassigned=True) == {"vpn", "laptop"}
    assert matching(requester="CAROL@") == {"laptop"} and matching(requester="%") == set()
    assert matching(created_to=date(2025, 6, 1)) == {"laptop"}
    assert matching(created_from=date(2025, 6, 2), text="printer") == {"printer", "vpn"}
    with runtime.sessions() as session:
        viewer = get_user(session, "agent@corp.example")
        counts = {c.status: c.count for c in status_counts(session, TicketFilter(statuses=frozenset({Status.NEW})), viewer=viewer) or []}
        assert counts == {**dict.fromkeys(Status, 0), Status.NEW: 1, Status.ASSIGNED: 1, Status.RESOLVED: 1}
        searched = {c.status: c.count for c in status_counts(session, TicketFilter(text="printer"), viewer=viewer) or []}
        assert searched == {**dict.fromkeys(Status, 0), Status.NEW: 1, Status.ASSIGNED: 1}


def test_counts_stop_at_the_cap(
    runtime: Runtime, many: list[int], agent: FlaskClient, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    monkeypatch.setattr(ticket_queries, "COUNT_CAP", 10)
    with runtime.sessions() as session:
        [new] = [count for count in status_counts(session, TicketFilter(), viewer=staff_viewer(session)) or [] if count.status is Status.NEW]
    assert (new.count, new.capped) == (11, True)
    monkeypatch.setattr(ticket_list, "COUNT_CAP", 10)
    counts = agent.get("/admin/tickets/counts?priority=low").get_json()["counts"]
    assert counts["open"] == counts["new"] == {"count": 6, "capped": False}
    counts = agent.get("/admin/tickets/counts").get_json()["counts"]
    assert counts["open"] == {"count": 10, "capped": True} and counts["closed"] == {"count": 0, "capped": False}
    assert agent.get("/admin/tickets/counts?status=bogus").status_code == 400
