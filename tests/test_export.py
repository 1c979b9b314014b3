"""Exports of the ticket list (with the list's filters) and of whole tickets, as CSV, XLSX and
JSON lines, on SQLite and PostgreSQL; and the round trip: an export imported into an empty
helpdesk gives the same tickets."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import delete, func, select

from core.db import unit_of_work
from core.export.tickets import LIST_COLUMNS, MESSAGE_COLUMNS, Format, Scope, export_chunks
from core.importing.source import read_table
from core.importing.tickets import import_tickets
from core.models import Message, MessageKind, Role, Status, Ticket
from core.runtime import Runtime
from core.ticket_queries import OPEN_STATUSES, TicketFilter
from core.users import add_user
from tests.test_reports import ADA, CLIENT, add_week
from tests.test_web_auth import PASSWORD
from tests.web_helpers import client_for, make_app


@pytest.fixture
def week(runtime: Runtime) -> dict[str, int]:
    return add_week(runtime)


def exported(runtime: Runtime, spec: TicketFilter, scope: Scope, fmt: Format) -> bytes:
    with runtime.sessions() as session:
        return b"".join(export_chunks(session, spec, scope, fmt, viewer=None))


def csv_rows(data: bytes) -> list[dict[str, str]]:
    assert data.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_list_csv_follows_the_filter(runtime: Runtime, week: dict[str, int]) -> None:
    rows = csv_rows(exported(runtime, TicketFilter(statuses=OPEN_STATUSES), Scope.LIST, Format.CSV))
    assert [row["number"] for row in rows] == ["4", "5", "6", "7"]
    assert list(rows[0]) == list(LIST_COLUMNS)
    four = rows[0]
    assert (four["status"], four["source"], four["requester"], four["assignee"], four["category"]) == (
        "new", "api", CLIENT, "", "IT/Software")
    assert four["created_at"] == "2026-03-04T10:00:00+00:00" and four["description"] == "Help"
    mine = csv_rows(exported(runtime, TicketFilter(assignee_id=week[ADA]), Scope.LIST, Format.CSV))
    assert [row["number"] for row in mine] == ["1", "2"]


def test_list_search_text_is_applied(runtime: Runtime, week: dict[str, int]) -> None:
    rows = csv_rows(exported(runtime, TicketFilter(text="#3"), Scope.LIST, Format.CSV))
    assert [row["number"] for row in rows] == ["3"]


def test_csv_cells_that_look_like_formulas_are_escaped(runtime: Runtime, week: dict[str, int]) -> None:
    with unit_of_work(runtime.sessions) as session:
        session.get_one(Ticket, 1).title = '=HYPERLINK("http://evil.example","click")'
    rows = csv_rows(exported(runtime, TicketFilter(), Scope.LIST, Format.CSV))
    assert rows[0]["title"] == '\'=HYPERLINK("http://evil.example","click")'
    sheet = load_workbook(io.BytesIO(exported(runtime, TicketFilter(), Scope.LIST, Format.XLSX)))["tickets"]
    assert sheet["B2"].value == '=HYPERLINK("http://evil.example","click")' and sheet["B2"].data_type == "s"


def test_full_json_lines_carry_the_conversation(runtime: Runtime, week: dict[str, int]) -> None:
    with unit_of_work(runtime.sessions) as session:
        session.add(Message(ticket_id=2, kind=MessageKind.WEB, author_id=week[ADA], text="Try again now",
                            created_at=datetime(2026, 3, 2, 15, tzinfo=UTC)))  # fmt: skip
    lines = exported(runtime, TicketFilter(), Scope.FULL, Format.JSONL).decode().splitlines()
    documents = [json.loads(line) for line in lines]
    assert [document["number"] for document in documents] == [1, 2, 3, 4, 5, 6, 7]
    two = documents[1]
    assert [(m["kind"], m["author"], m["text"]) for m in two["messages"]] == [("email_in", CLIENT, "Help"), ("web", ADA, "Try again now")]
    assert two["status"] == "resolved" and two["resolved_at"] == "2026-03-06T12:00:00+00:00"


def test_full_xlsx_has_tickets_and_messages(runtime: Runtime, week: dict[str, int]) -> None:
    workbook = load_workbook(io.BytesIO(exported(runtime, TicketFilter(statuses=frozenset({Status.CLOSED})), Scope.FULL, Format.XLSX)))
    tickets, messages = workbook["tickets"], workbook["messages"]
    assert [cell.value for cell in tickets[1]] == list(LIST_COLUMNS)
    assert [cell.value for cell in tickets[2]][:3] == [3, "Ticket 3", "closed"]
    assert tickets["I2"].value == datetime(2026, 3, 3, 8)  # UTC, without a zone: XLSX has none
    assert [cell.value for cell in messages[1]] == list(MESSAGE_COLUMNS)
    assert [cell.value for cell in messages[2]][:3] == [3, "email_in", CLIENT]


def test_full_csv_is_one_row_per_message(runtime: Runtime, week: dict[str, int]) -> None:
    rows = csv_rows(exported(runtime, TicketFilter(), Scope.FULL, Format.CSV))
    assert [(row["ticket"], row["kind"], row["text"]) for row in rows] == [(str(n), "email_in", "Help") for n in range(1, 8)]


def snapshot(runtime: Runtime) -> list[tuple[object, ...]]:
    """Every ticket as the list export shows it."""
    rows = csv_rows(exported(runtime, TicketFilter(), Scope.LIST, Format.CSV))
    return [tuple(row.values()) for row in rows]


@pytest.mark.parametrize("fmt", [Format.CSV, Format.XLSX])
def test_round_trip_gives_the_same_tickets(runtime: Runtime, week: dict[str, int], fmt: Format) -> None:
    before = snapshot(runtime)
    data = exported(runtime, TicketFilter(), Scope.LIST, fmt)
    with unit_of_work(runtime.sessions) as session:
        session.execute(delete(Ticket))
    with unit_of_work(runtime.sessions) as session:
        report = import_tickets(session, read_table(data, f"tickets.{fmt.value}"), dry_run=False)
    assert report.ok, report.problems
    assert [(m.theirs, m.ours) for m in report.numbers] == [(n, n) for n in range(1, 8)]
    assert snapshot(runtime) == before  # XLSX keeps times to the millisecond: these have whole seconds
    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Message)) == 7


def test_web_export_streams_the_filtered_list(runtime: Runtime, week: dict[str, int]) -> None:
    with unit_of_work(runtime.sessions) as session:
        add_user(session, "lead@corp.example", role=Role.AGENT, password=PASSWORD)
        add_user(session, "employee@corp.example", role=Role.CLIENT, password=PASSWORD)
    app = make_app(runtime)
    lead = client_for(app, "lead@corp.example")
    listing = lead.get("/admin/tickets?status=open").get_data(as_text=True)
    assert 'href="/admin/export/tickets?format=csv&amp;scope=list&amp;status=open"' in listing
    response = lead.get("/admin/export/tickets?format=csv&scope=list&status=open")
    assert response.status_code == 200 and response.is_streamed and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="postdesk-tickets-list-')
    assert [row["number"] for row in csv_rows(response.data)] == ["4", "5", "6", "7"]
    full = lead.get("/admin/export/tickets?format=jsonl&scope=full&q=%233")
    assert [json.loads(line)["number"] for line in full.get_data(as_text=True).splitlines()] == [3]
    assert lead.get("/admin/export/tickets?format=pdf").status_code == 400
    assert lead.get("/admin/export/tickets?status=nonsense").status_code == 400
    assert client_for(app, "employee@corp.example").get("/admin/export/tickets").status_code == 403
