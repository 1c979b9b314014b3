"""Importing users: one row per person, columns `email` (required), `name`, `role`
(admin, agent or client; client when empty), `department`, `active` (yes/no, yes when empty).

A user whose address exists already is left as it is and reported as skipped; the same
address twice in the file is a problem. Imported users have no password: staff set one
through "forgot password", employees claim their account from the portal."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from core.errors import InvalidInput
from core.importing.lookups import users_by_email
from core.importing.report import ImportReport, check_columns
from core.importing.source import SourceRow, SourceTable
from core.importing.values import parse_choice, parse_flag
from core.models import Role, User
from core.users import normalise_email

COLUMNS = ("email", "name", "role", "department", "active")
REQUIRED = ("email",)
NAME_MAX = 200


@dataclass(frozen=True, slots=True)
class NewUser:
    row: int
    email: str
    name: str
    role: Role
    department: str
    active: bool


def _email(text: str) -> str:
    if not text:
        raise InvalidInput("an email address is required")
    try:
        return normalise_email(text)
    except InvalidInput:
        raise InvalidInput(f"{text!r} is not an email address") from None


def _parse(row: SourceRow, report: ImportReport) -> NewUser | None:
    before = len(report.problems)
    user = NewUser(
        row.number,
        report.parsed(row.number, "email", lambda: _email(row.text("email")), ""),
        row.text("name")[:NAME_MAX],
        report.parsed(row.number, "role", lambda: parse_choice(row.text("role"), Role, Role.CLIENT), Role.CLIENT),
        row.text("department")[:NAME_MAX],
        report.parsed(row.number, "active", lambda: parse_flag(row.text("active"), True), True),
    )
    return user if len(report.problems) == before else None


def plan_users(session: Session, table: SourceTable, report: ImportReport) -> list[NewUser]:
    """The users to create; problems and skips go into `report`."""
    if not check_columns(table, report, REQUIRED, COLUMNS):
        return []
    report.rows = len(table.rows)
    existing = users_by_email(session, (row.text("email") for row in table.rows))
    seen: dict[str, int] = {}
    planned = []
    for row in table.rows:
        user = _parse(row, report)
        if user is None:
            continue
        if user.email in seen:
            report.problem(row.number, "email", f"{user.email} is in row {seen[user.email]} already")
        elif user.email in existing:
            report.skipped.append((row.number, f"{user.email} exists already; left as it is"))
        else:
            planned.append(user)
        seen.setdefault(user.email, row.number)
    return planned


def import_users(session: Session, table: SourceTable, *, dry_run: bool) -> ImportReport:
    report = ImportReport("users", dry_run)
    planned = plan_users(session, table, report)
    if dry_run or not report.ok:
        return report
    for user in planned:
        session.add(User(email=user.email, name=user.name, role=user.role, department=user.department, active=user.active))
    session.flush()
    report.imported = len(planned)
    return report
