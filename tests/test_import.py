"""Imports of tickets and users from CSV and XLSX, on SQLite and PostgreSQL: the dry run
reports each bad row with its number and writes nothing; the import is all or nothing;
numbers are kept where free and mapped otherwise; dates and history are kept."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from core.catalog import add_path
from core.config import Settings
from core.db import unit_of_work
from core.errors import InvalidInput
from core.importing.report import ImportReport
from core.importing.source import read_table
from core.importing.tickets import import_tickets
from core.importing.users import import_users
from core.models import MessageKind, Role, Source, Status, Ticket, TicketEvent, User
from core.passwords import hash_password
from core.reports.period import ReportFilter
from core.reports.volume import volume_report
from core.runtime import Runtime
from core.tickets import MessageBody, open_ticket
from core.users import add_user
from tests.cli_helpers import postdesk
from tests.test_web_auth import PASSWORD
from tests.web_helpers import client_for, make_app, post, text

AGENT, ALICE, BOB = "agent@corp.example", "alice@corp.example", "bob@corp.example"
HEADER = "number,title,status,priority,source,requester,assignee,category,created_at,resolved_at,closed_at,description\n"


@pytest.fixture
def helpdesk(runtime: Runtime) -> None:
    with unit_of_work(runtime.sessions) as session:
        add_user(session, AGENT, role=Role.AGENT, name="Agent")
        add_user(session, ALICE, role=Role.CLIENT)
        add_user(session, BOB, role=Role.CLIENT)
        for path in ("IT", "IT/Hardware", "IT/Hardware/Printer"):
            add_path(session, path)


def run(runtime: Runtime, text: str, *, dry_run: bool, kind: str = "tickets", filename: str = "old.csv") -> ImportReport:
    table = read_table(text.encode(), filename)
    importer = import_tickets if kind == "tickets" else import_users
    with unit_of_work(runtime.sessions) as session:
        return importer(session, table, dry_run=dry_run)


def ticket_count(runtime: Runtime) -> int:
    with runtime.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(Ticket)) or 0)


GOOD = HEADER + (
    "101,Printer jammed,resolved,high,mail,alice@corp.example,agent@corp.example,IT/Hardware/Printer,"
    "2025-06-02 09:00,2025-06-03T10:30:00Z,,Paper stuck in tray 2\n"
    "102,VPN drops,new,,portal,Bob@Corp.Example,,it / hardware,2025-06-04T08:00:00+02:00,,,\n"
)


def test_bad_rows_are_reported_with_their_row_numbers_and_nothing_is_imported(runtime: Runtime, helpdesk: None) -> None:
    text = GOOD + (
        "103,Broken chair,new,,,alice@corp.example,,Facilities/Chairs,2025-06-05,,,\n"
        "104,Mouse,new,,,alice@corp.example,,IT,05/06/2025,,,\n"
        "105,Screen,new,,,nobody@corp.example,,IT,2025-06-05,,,\n"
        "106,Keyboard,new,,,alice@corp.example,bob@corp.example,IT,2025-06-05,,,\n"
        "107,,closed,sometimes,,alice@corp.example,,,2025-06-05,2025-06-01,,\n"
    )
    for dry_run in (True, False):
        report = run(runtime, text, dry_run=dry_run)
        assert [(p.row, p.column, p.message) for p in report.problems] == [
            (4, "category", "unknown category 'Facilities/Chairs'"),
            (5, "created_at", "'05/06/2025' is not a date; use ISO 8601, e.g. 2026-03-02 09:30"),
            (6, "requester", "unknown user 'nobody@corp.example'"),
            (7, "assignee", "bob@corp.example is not staff and cannot be the assignee"),
            (8, "title", "a title is required"),
            (8, "priority", "unknown value 'sometimes'; use one of: low, medium, high, urgent"),
        ]
        assert report.imported == 0 and report.summary() == "6 problem(s) in 7 row(s); nothing was imported."
    assert ticket_count(runtime) == 0


def test_times_that_contradict_each_other_are_problems(runtime: Runtime, helpdesk: None) -> None:
    text = HEADER + (
        "1,Early fix,resolved,,,alice@corp.example,,,2025-06-05,2025-06-01,,\n"
        "2,Open but resolved,in_progress,,,alice@corp.example,,,2025-06-05,2025-06-06,,\n"
        "3,Twice,new,,,alice@corp.example,,,,,,\n"
        "3,Twice again,new,,,alice@corp.example,,,,,,\n"
    )
    report = run(runtime, text, dry_run=True)
    assert [str(problem) for problem in report.problems] == [
        "row 2, resolved_at: 2025-06-01T00:00:00+00:00 is before created_at 2025-06-05T00:00:00+00:00",
        "row 3, resolved_at: an in_progress ticket has no resolved_at; leave it empty",
        "row 5, number: #3 is in row 4 already",
    ]


def test_dry_run_reports_the_plan_and_writes_nothing(runtime: Runtime, helpdesk: None) -> None:
    report = run(runtime, GOOD, dry_run=True)
    assert report.ok and report.rows == 2 and report.imported == 0
    assert [(m.row, m.theirs, m.ours) for m in report.numbers] == [(2, 101, 101), (3, 102, 102)]
    assert report.summary() == "2 row(s) checked, no problems: 2 tickets would be imported."
    assert ticket_count(runtime) == 0


def test_import_keeps_numbers_dates_and_history(runtime: Runtime, helpdesk: None) -> None:
    report = run(runtime, GOOD, dry_run=False)
    assert report.ok and report.imported == 2
    with runtime.sessions() as session:
        printer, vpn = session.get_one(Ticket, 101), session.get_one(Ticket, 102)
        assert (printer.status, printer.priority.value, printer.source, printer.assignee and printer.assignee.email) == (
            Status.RESOLVED, "high", Source.EMAIL, AGENT)
        assert printer.category_path == "IT/Hardware/Printer"
        assert printer.created_at == datetime(2025, 6, 2, 9, tzinfo=UTC)
        assert printer.resolved_at == printer.updated_at == datetime(2025, 6, 3, 10, 30, tzinfo=UTC)
        assert [(m.kind, m.author.email, m.text, m.created_at) for m in printer.messages if m.author] == [
            (MessageKind.EMAIL_IN, ALICE, "Paper stuck in tray 2", printer.created_at)]
        assert [(e.field, e.old_value, e.new_value) for e in printer.events] == [
            ("created", None, "#101"), ("assignee", None, AGENT), ("status", "new", "resolved"), ("imported", None, "row 2, #101 there")]
        assert (vpn.requester.email, vpn.source, vpn.category_path, vpn.created_at) == (
            BOB, Source.WEB, "IT/Hardware", datetime(2025, 6, 4, 6, tzinfo=UTC))
        assert vpn.messages == []
        week = volume_report(session, ReportFilter(date(2025, 6, 2), date(2025, 6, 4)))
    assert [(p.created, p.resolved, p.backlog) for p in week.points] == [(1, 0, 1), (0, 1, 0), (1, 0, 1)]


def test_numbers_in_use_are_mapped_and_later_tickets_come_after(runtime: Runtime, helpdesk: None) -> None:
    with unit_of_work(runtime.sessions) as session:
        alice = session.scalars(select(User).where(User.email == ALICE)).one()
        for title in ("one", "two"):
            open_ticket(session, requester=alice, title=title, body=MessageBody("x"), source=Source.EMAIL, message_kind=MessageKind.EMAIL_IN)
    text = HEADER + "2,Clashes with ours,new,,,alice@corp.example,,,,,,\n,No number,new,,,alice@corp.example,,,,,,\n40,Free,new,,,alice@corp.example,,,,,,\n"
    planned = run(runtime, text, dry_run=True)
    assert [(m.row, m.theirs, m.ours) for m in planned.numbers] == [(2, 2, None), (3, None, None), (4, 40, 40)]
    report = run(runtime, text, dry_run=False)
    assert [(m.row, m.theirs, m.ours) for m in report.numbers] == [(2, 2, 41), (3, None, 42), (4, 40, 40)]
    with unit_of_work(runtime.sessions) as session:
        alice = session.scalars(select(User).where(User.email == ALICE)).one()
        later = open_ticket(session, requester=alice, title="after", body=MessageBody("x"), source=Source.EMAIL, message_kind=MessageKind.EMAIL_IN)
        assert later.id == 43
        assert session.get_one(Ticket, 2).title == "two"


def test_xlsx_with_typed_cells(runtime: Runtime, helpdesk: None) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Number", "Title", "Requester", "Created at", "Status"])
    sheet.append([7.0, "From a spreadsheet", ALICE, datetime(2025, 1, 2, 3, 4, 5), "closed"])
    sheet.append([None, None, None, None, None])
    sheet.append(["8", "Bad date", ALICE, "yesterday", "new"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    table = read_table(buffer.getvalue(), "old.xlsx")
    with unit_of_work(runtime.sessions) as session:
        report = import_tickets(session, table, dry_run=True)
    assert [str(problem) for problem in report.problems] == [
        "row 4, created_at: 'yesterday' is not a date; use ISO 8601, e.g. 2026-03-02 09:30"]
    table.rows.pop()
    with unit_of_work(runtime.sessions) as session:
        report = import_tickets(session, table, dry_run=False)
    with runtime.sessions() as session:
        seven = session.get_one(Ticket, 7)
        assert (seven.status, seven.created_at, seven.closed_at, seven.resolved_at) == (
            Status.CLOSED, datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC), seven.created_at, seven.created_at)


@pytest.mark.parametrize(("data", "filename", "message"), [
    (b"", "a.csv", "the file is empty: its first row must name the columns"),
    (b"\xff\xfet\x00i\x00", "a.csv", "the CSV file is not UTF-8 (byte 0); save it as 'CSV UTF-8'"),
    (b"not a zip", "a.xlsx", "the XLSX file cannot be read: File is not a zip file"),
    (b"title\n", "a.txt", "a.txt: choose a .csv or .xlsx file"),
])  # fmt: skip
def test_unreadable_files_are_refused_in_one_line(data: bytes, filename: str, message: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        read_table(data, filename)
    assert str(refused.value) == message


def test_missing_columns(runtime: Runtime, helpdesk: None) -> None:
    report = run(runtime, "subject,from\nHello,alice@corp.example\n", dry_run=True)
    assert [str(problem) for problem in report.problems] == [
        "row 1, title: the column 'title' is missing", "row 1, requester: the column 'requester' is missing"]
    assert report.ignored_columns == ("subject", "from")


def test_users_import(runtime: Runtime, helpdesk: None) -> None:
    text = ("email,name,role,department,active\n"
            "carol@corp.example,Carol,agent,IT,yes\n"
            "ALICE@corp.example,Alice,client,,\n"
            "dan@corp.example,Dan,,Finance,no\n")  # fmt: skip
    report = run(runtime, text, dry_run=False, kind="users")
    assert report.ok and report.imported == 2
    assert report.skipped == [(3, "alice@corp.example exists already; left as it is")]
    with runtime.sessions() as session:
        carol = session.scalars(select(User).where(User.email == "carol@corp.example")).one()
        dan = session.scalars(select(User).where(User.email == "dan@corp.example")).one()
        assert (carol.role, carol.department, carol.active, carol.password_hash) == (Role.AGENT, "IT", True, None)
        assert (dan.role, dan.active) == (Role.CLIENT, False)


def test_bad_user_rows_import_nobody(runtime: Runtime, helpdesk: None) -> None:
    text = ("email,name,role\n"
            "erin@corp.example,Erin,agent\n"
            "not-an-address,X,client\n"
            "frank@corp.example,Frank,boss\n"
            "Erin@corp.example,Erin again,client\n")  # fmt: skip
    report = run(runtime, text, dry_run=False, kind="users")
    assert [str(problem) for problem in report.problems] == [
        "row 3, email: 'not-an-address' is not an email address",
        "row 4, role: unknown value 'boss'; use one of: admin, agent, client",
        "row 5, email: erin@corp.example is in row 2 already",
    ]
    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(User).where(User.email == "erin@corp.example")) == 0
        assert session.scalar(select(func.count()).select_from(TicketEvent)) == 0


def upload(client: FlaskClient, data: bytes, filename: str, kind: str, button: str) -> TestResponse:
    return post(client, "/admin/import/", {"kind": kind, "file": (io.BytesIO(data), filename), button: "1"})  # type: ignore[dict-item]


def test_import_page_checks_then_imports(runtime: Runtime, helpdesk: None) -> None:
    with unit_of_work(runtime.sessions) as session:
        add_user(session, "root@corp.example", role=Role.ADMIN, password=PASSWORD)
    admin = client_for(make_app(runtime), "root@corp.example")
    bad = GOOD + "103,Broken chair,new,,,alice@corp.example,,Facilities/Chairs,2025-06-05,,,\n"
    checked = upload(admin, bad.encode(), "old.csv", "tickets", "check")
    assert checked.status_code == 400
    page = text(checked)
    assert "1 problem(s) in 3 row(s); nothing was imported." in page
    assert re.search(r'<td class="row-number">4</td><td>category</td><td class="wrap">unknown category \'Facilities/Chairs\'</td>', page)
    refused = upload(admin, bad.encode(), "old.csv", "tickets", "import")
    assert refused.status_code == 400 and ticket_count(runtime) == 0
    imported = upload(admin, GOOD.encode(), "old.csv", "tickets", "import")
    assert imported.status_code == 200 and "Imported 2 tickets from 2 row(s)." in text(imported)
    assert '<a href="/admin/tickets/101">#101</a>' in imported.get_data(as_text=True)
    assert ticket_count(runtime) == 2


def test_import_page_refuses_a_bad_file_next_to_the_field(runtime: Runtime, helpdesk: None) -> None:
    with unit_of_work(runtime.sessions) as session:
        add_user(session, "root@corp.example", role=Role.ADMIN, password=PASSWORD)
    admin = client_for(make_app(runtime), "root@corp.example")
    wrong_type = upload(admin, b"x", "old.pdf", "tickets", "check")
    assert wrong_type.status_code == 400
    assert '<p class="field-error" id="file-error">Choose a .csv or .xlsx file.</p>' in wrong_type.get_data(as_text=True)
    not_xlsx = upload(admin, b"not a zip", "old.xlsx", "users", "check")
    assert "the XLSX file cannot be read: File is not a zip file" in text(not_xlsx) and not_xlsx.status_code == 400


@pytest.mark.parametrize(("who", "status"), [(None, 302), (AGENT, 403), (ALICE, 403)])
def test_import_page_is_for_admins(runtime: Runtime, helpdesk: None, who: str | None, status: int) -> None:
    with unit_of_work(runtime.sessions) as session:
        for user in session.scalars(select(User).where(User.email.in_([AGENT, ALICE]))):
            user.password_hash = hash_password(PASSWORD)
    assert client_for(make_app(runtime), who).get("/admin/import/").status_code == status


def test_cli_export_then_import_with_a_dry_run(runtime: Runtime, settings: Settings, helpdesk: None, tmp_path: Path) -> None:
    source = tmp_path / "old.csv"
    source.write_text(GOOD + "103,Chair,new,,,alice@corp.example,,Facilities,2025-06-05,,,\n")
    refused = postdesk(settings, "import", "tickets", str(source), "--dry-run")
    assert refused.returncode == 2
    assert refused.stderr.splitlines() == [
        "row 4, category: unknown category 'Facilities'",
        "postdesk: 1 problem(s) in 3 row(s); nothing was imported.",
    ]
    source.write_text(GOOD)
    checked = postdesk(settings, "import", "tickets", str(source), "--dry-run")
    assert checked.returncode == 0 and ticket_count(runtime) == 0
    assert checked.stdout.splitlines()[-1] == "2 row(s) checked, no problems: 2 tickets would be imported."
    done = postdesk(settings, "import", "tickets", str(source))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["row 2: #101 -> #101", "row 3: #102 -> #102", "Imported 2 tickets from 2 row(s)."]
    exported = postdesk(settings, "export", "tickets", "--status", "resolved")
    assert exported.returncode == 0, exported.stderr
    assert [line.split(",")[0] for line in exported.stdout.lstrip("\ufeff").splitlines()] == ["number", "101"]
    target = tmp_path / "all.xlsx"
    assert postdesk(settings, "export", "tickets", "--format", "xlsx", "--full", "-o", str(target)).returncode == 0
    assert load_workbook(target).sheetnames == ["tickets", "messages"]
    assert postdesk(settings, "export", "tickets", "--format", "xlsx").stderr == "postdesk: XLSX is a binary file: give --output FILE\n"
    again = postdesk(settings, "import", "tickets", str(source))
    assert again.stdout.splitlines()[:2] == ["row 2: #101 -> #103", "row 3: #102 -> #104"]
