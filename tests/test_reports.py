"""The reports against figures computed by hand from a small fixed data set, on SQLite and on
PostgreSQL: tickets created, resolved and reopened per day, the backlog at the end of each
day, the split by category and by channel, medians and 90th percentiles of first response
and resolution (overall, per group, per agent), and the agents' figures.

The data set (the week of Monday 2 March 2026, UTC; `@` marks the assignee):

| # | created | channel | category | @ | first response | status changes | now |
| --- | --- | --- | --- | --- | --- | --- | --- |
| 1 | 02 09:00 | mail | IT/Hardware/Printer | Ada | 02 10:00 (1 h) | resolved 03 09:00 | resolved |
| 2 | 02 12:00 | portal | IT/Software | Ada | 02 15:00 (3 h) | resolved 04 12:00, reopened 05 10:00, resolved 06 12:00 | resolved |
| 3 | 03 08:00 | mail | HR/Payroll | Ben | 03 08:30 (0.5 h) | resolved 03 18:00, closed 05 09:00 | closed |
| 4 | 04 10:00 | API | IT/Software | – | – | – | new |
| 5 | 1 Mar 10:00 | mail | IT/Hardware | Ben | 02 10:00 (24 h) | in progress 1 Mar | in progress |
| 6 | 20 Feb 10:00 | mail | HR | – | – | resolved 25 Feb, reopened 07 09:00 | new |
| 7 | 9 Mar 10:00 | mail | IT | – | – | – | new |

SLA: the policy "IT standard" (group IT; working hours Monday to Friday 08:00-17:00 UTC; first
response within 2 business hours, resolution within 16) has clocks on 1, 2, 4 and 5, with the
business time recorded when each target was met, counted by hand:

| # | first response | resolution |
| --- | --- | --- |
| 1 | 1 h, met | Mon 09-17 + Tue 08-09 = 9 h, met |
| 2 | 3 h, met late: breached (due 02 14:00) | 5 + 9 + 9 + 9 + 4 = 36 h, met late: breached (due 04 10:00) |
| 4 | unmet, due 04 12:00: overdue, breached | paused: no due time, pending |
| 5 | Sunday 10:00 to Monday 10:00 = 2 h, met | – (created before the week: not in its compliance) |
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from core.catalog import add_path, resolve_path
from core.db import unit_of_work
from core.models import (
    Message,
    MessageKind,
    Priority,
    Role,
    SlaCalendar,
    SlaCalendarHours,
    SlaPolicy,
    SlaTarget,
    Source,
    Status,
    Ticket,
    TicketEvent,
    TicketSlaClock,
    User,
)
from core.reports.agents import agent_report
from core.reports.period import Bucket, ReportFilter
from core.reports.sla import sla_report
from core.reports.speed import speed_report
from core.reports.volume import volume_report
from core.runtime import Runtime
from core.users import add_user

WEEK = ReportFilter(date(2026, 3, 2), date(2026, 3, 8))
ADA, BEN, CLIENT = "ada@corp.example", "ben@corp.example", "carla@corp.example"


def at(day: int, hour: float, month: int = 3) -> datetime:
    return datetime(2026, month, day, tzinfo=UTC) + timedelta(hours=hour)


@dataclass(frozen=True)
class Change:
    field: str
    old: str | None
    new: str | None
    when: datetime


@dataclass(frozen=True)
class Spec:
    created: datetime
    source: Source
    path: str
    assignee: str | None
    status: Status
    first_response: datetime | None = None
    resolved: datetime | None = None
    closed: datetime | None = None
    changes: tuple[Change, ...] = ()


def assigned(who: str, when: datetime) -> tuple[Change, Change]:
    return Change("assignee", None, who, when), Change("status", "new", "assigned", when)


def status(old: str, new: str, when: datetime) -> Change:
    return Change("status", old, new, when)


DATA = {
    1: Spec(at(2, 9), Source.EMAIL, "IT/Hardware/Printer", ADA, Status.RESOLVED, at(2, 10), at(3, 9),
            changes=(*assigned(ADA, at(2, 9.1)), status("assigned", "resolved", at(3, 9)))),
    2: Spec(at(2, 12), Source.WEB, "IT/Software", ADA, Status.RESOLVED, at(2, 15), at(6, 12),
            changes=(*assigned(ADA, at(2, 12.2)), status("assigned", "resolved", at(4, 12)),
                     status("resolved", "in_progress", at(5, 10)), status("in_progress", "resolved", at(6, 12)))),
    3: Spec(at(3, 8), Source.EMAIL, "HR/Payroll", BEN, Status.CLOSED, at(3, 8.5), at(3, 18), at(5, 9),
            changes=(*assigned(BEN, at(3, 8.2)), status("assigned", "resolved", at(3, 18)), status("resolved", "closed", at(5, 9)))),
    4: Spec(at(4, 10), Source.API, "IT/Software", None, Status.NEW),
    5: Spec(at(1, 10), Source.EMAIL, "IT/Hardware", BEN, Status.IN_PROGRESS, at(2, 10),
            changes=(*assigned(BEN, at(1, 10.5)), status("assigned", "in_progress", at(1, 11)))),
    6: Spec(at(20, 10, 2), Source.EMAIL, "HR", None, Status.NEW,
            changes=(status("new", "resolved", at(25, 10, 2)), status("resolved", "new", at(7, 9)))),
    7: Spec(at(9, 10), Source.EMAIL, "IT", None, Status.NEW),
}  # fmt: skip


def add_ticket(session: Session, number: int, spec: Spec, people: dict[str, User], requester: User) -> None:
    catalog = resolve_path(session, spec.path)
    ticket = Ticket(
        id=number, title=f"Ticket {number}", requester=requester, assignee=people.get(spec.assignee or ""),
        group=catalog.group, category=catalog.category, subcategory=catalog.subcategory,
        priority=Priority.MEDIUM, status=spec.status, source=spec.source,
        created_at=spec.created, updated_at=spec.created, first_response_at=spec.first_response,
        resolved_at=spec.resolved, closed_at=spec.closed,
    )  # fmt: skip
    session.add(ticket)
    session.add(Message(ticket=ticket, kind=MessageKind.EMAIL_IN, author=requester, text="Help", created_at=spec.created))
    session.add(TicketEvent(ticket=ticket, field="created", new_value=f"#{number}", created_at=spec.created))
    for change in spec.changes:
        session.add(TicketEvent(ticket=ticket, field=change.field, old_value=change.old, new_value=change.new, created_at=change.when))


CATALOG = ("IT", "IT/Hardware", "IT/Hardware/Printer", "IT/Software", "HR", "HR/Payroll")


SLA_CLOCKS = {  # number: [(target, due, met, business seconds recorded)]
    1: [(SlaTarget.FIRST_RESPONSE, at(2, 11), at(2, 10), 3600), (SlaTarget.RESOLUTION, at(3, 16), at(3, 9), 9 * 3600)],
    2: [(SlaTarget.FIRST_RESPONSE, at(2, 14), at(2, 15), 3 * 3600), (SlaTarget.RESOLUTION, at(4, 10), at(6, 12), 36 * 3600)],
    4: [(SlaTarget.FIRST_RESPONSE, at(4, 12), None, None), (SlaTarget.RESOLUTION, None, None, None)],
    5: [(SlaTarget.FIRST_RESPONSE, at(2, 10), at(2, 10), 2 * 3600)],
}


def add_sla(session: Session) -> None:
    calendar = SlaCalendar(name="Office", timezone="UTC",
                           hours=[SlaCalendarHours(weekday=day, start_minute=8 * 60, end_minute=17 * 60) for day in range(5)])
    policy = SlaPolicy(name="IT standard", group=resolve_path(session, "IT").group, calendar=calendar,
                       first_response_minutes=120, resolution_minutes=16 * 60)  # fmt: skip
    session.add(policy)
    session.flush()
    for number, clocks in SLA_CLOCKS.items():
        session.get_one(Ticket, number).sla_policy_id = policy.id
        for target, due, met, seconds in clocks:
            minutes = policy.target_minutes()[target]
            session.add(TicketSlaClock(ticket_id=number, target=target, target_minutes=minutes, due_at=due, met_at=met,
                                       met_business_seconds=seconds))  # fmt: skip


def add_categories(session: Session) -> None:
    for path in CATALOG:
        add_path(session, path)


def add_week(runtime: Runtime) -> dict[str, int]:
    """The data set above; the staff members' ids by address."""
    with unit_of_work(runtime.sessions) as session:
        people = {email: add_user(session, email, role=Role.AGENT, name=email.split("@")[0].title()) for email in (ADA, BEN)}
        requester = add_user(session, CLIENT, role=Role.CLIENT)
        add_categories(session)
        for number, spec in DATA.items():
            add_ticket(session, number, spec, people, requester)
        session.flush()
        add_sla(session)
        return {email: user.id for email, user in people.items()}


@pytest.fixture
def week(runtime: Runtime) -> dict[str, int]:
    return add_week(runtime)


def test_volume_per_day_with_backlog(runtime: Runtime, week: dict[str, int]) -> None:
    with runtime.sessions() as session:
        report = volume_report(session, WEEK)
    assert report.bucket is Bucket.DAY
    rows = [(p.period.day, p.created, p.resolved, p.reopened, p.backlog) for p in report.points]
    assert rows == [
        (2, 2, 0, 0, 3),  # 1, 2 in; open at night: 1, 2, 5
        (3, 1, 2, 0, 2),  # 3 in; 1 and 3 resolved: 2, 5
        (4, 1, 1, 0, 2),  # 4 in; 2 resolved: 4, 5
        (5, 0, 0, 1, 3),  # 2 reopened (closing 3 is no resolution): 2, 4, 5
        (6, 0, 1, 0, 2),  # 2 resolved again: 4, 5
        (7, 0, 0, 1, 3),  # 6 reopened: 4, 5, 6
        (8, 0, 0, 0, 3),  # 7 comes on the 9th, after the range
    ]
    assert (report.created, report.resolved, report.reopened) == (4, 4, 2)


def test_volume_by_category_and_channel(runtime: Runtime, week: dict[str, int]) -> None:
    with runtime.sessions() as session:
        report = volume_report(session, WEEK)
    assert [(row.label, row.created, row.still_open, row.done) for row in report.by_category] == [
        ("IT / Software", 2, 1, 1), ("HR / Payroll", 1, 0, 1), ("IT / Hardware / Printer", 1, 0, 1),
    ]
    assert [(row.label, row.created, row.still_open) for row in report.by_channel] == [("Mail", 2, 0), ("API", 1, 1), ("Portal", 1, 0)]


def test_volume_filtered_by_group_and_agent(runtime: Runtime, week: dict[str, int]) -> None:
    with runtime.sessions() as session:
        it_group = session.get_one(Ticket, 1).group_id
        by_group = volume_report(session, ReportFilter(WEEK.start, WEEK.end, group_id=it_group))
        by_agent = volume_report(session, ReportFilter(WEEK.start, WEEK.end, agent_id=week[ADA]))
    assert [(p.created, p.resolved, p.reopened, p.backlog) for p in by_group.points] == [
        (2, 0, 0, 3), (0, 1, 0, 2), (1, 1, 0, 2), (0, 0, 1, 3), (0, 1, 0, 2), (0, 0, 0, 2), (0, 0, 0, 2),
    ]  # IT: 1, 2, 4, 5 and (after the range) 7
    assert [(p.created, p.resolved, p.reopened, p.backlog) for p in by_agent.points] == [
        (2, 0, 0, 2), (0, 1, 0, 1), (0, 1, 0, 0), (0, 0, 1, 1), (0, 1, 0, 0), (0, 0, 0, 0), (0, 0, 0, 0),
    ]


def test_volume_folds_a_long_range_into_weeks(runtime: Runtime, week: dict[str, int]) -> None:
    with runtime.sessions() as session:
        report = volume_report(session, ReportFilter(date(2026, 1, 5), date(2026, 4, 12)))
    assert report.bucket is Bucket.WEEK
    weeks = {p.period: (p.created, p.resolved, p.reopened, p.backlog) for p in report.points}
    assert weeks[date(2026, 2, 16)] == (1, 0, 0, 1)  # 6 created on the 20th
    assert weeks[date(2026, 2, 23)] == (1, 1, 0, 1)  # 6 resolved, 5 created on Sunday 1 March
    assert weeks[date(2026, 3, 2)] == (4, 4, 2, 3)
    assert weeks[date(2026, 3, 9)] == (1, 0, 0, 4)
    assert len(weeks) == 14 and weeks[date(2026, 1, 5)] == (0, 0, 0, 0)


def test_speed_medians_and_90th_percentiles(runtime: Runtime, week: dict[str, int]) -> None:
    with runtime.sessions() as session:
        report = speed_report(session, WEEK)
    by_group, by_agent = (table.rows for table in report.tables())
    # answered 0.5, 1, 3, 24 h: median (1 + 3) / 2; p90 at rank 2.7: 3 + 0.7 * 21
    # resolved 10, 24, 96 h (2's current resolution, from creation): median 24; p90 at 1.8: 24 + 0.8 * 72
    # business time (SLA clocks met in the week): answered 1, 2, 3 h: median 2, p90 at 1.8: 2 + 0.8 * 1;
    # resolved 9, 36 h: median 22.5, p90 at 0.9: 9 + 0.9 * 27
    assert by_group[0] == ("All tickets", 4, 2.0, 17.7, 3, 24.0, 81.6, 2.0, 2.8, 22.5, 33.3)
    assert by_group[1:] == (
        ("HR", 1, 0.5, 0.5, 1, 10.0, 10.0, None, None, None, None),  # no SLA policy
        ("IT", 3, 3.0, 19.8, 2, 60.0, 88.8, 2.0, 2.8, 22.5, 33.3),  # 1, 3, 24 h; 24, 96 h
    )
    assert by_agent[1:] == (
        ("Ada", 2, 2.0, 2.8, 2, 60.0, 88.8, 2.0, 2.8, 22.5, 33.3),
        ("Ben", 2, 12.25, 21.65, 1, 10.0, 10.0, 2.0, 2.0, None, None),
    )


def test_agents(runtime: Runtime, week: dict[str, int]) -> None:
    with runtime.sessions() as session:
        report = agent_report(session, WEEK)
    rows = {row.label: row for row in report.rows}
    ada, ben = rows["Ada"], rows["Ben"]
    assert (ada.assigned, ada.resolved, ada.reopened, ada.reopen_rate) == (2, 3, 1, 0.3333)
    assert (ben.assigned, ben.resolved, ben.reopened, ben.reopen_rate) == (1, 1, 0, 0.0)  # 5 was assigned on 1 March
    assert report.tables()[0].rows == (
        ("Ada", 2, 3, 1, 33.3, 2.0, 60.0),
        ("Ben", 1, 1, 0, 0.0, 12.25, 10.0),
    )


def test_agent_filter_keeps_one_agent(runtime: Runtime, week: dict[str, int]) -> None:
    with runtime.sessions() as session:
        report = agent_report(session, ReportFilter(WEEK.start, WEEK.end, agent_id=week[BEN]))
        speed = speed_report(session, ReportFilter(WEEK.start, WEEK.end, agent_id=week[BEN]))
    assert [row.label for row in report.rows] == ["Ben"]
    assert speed.tables()[0].rows[0] == ("All tickets", 2, 12.25, 21.65, 1, 10.0, 10.0, 2.0, 2.0, None, None)


def test_sla_compliance_per_policy_and_target(runtime: Runtime, week: dict[str, int]) -> None:
    with runtime.sessions() as session:
        report = sla_report(session, WEEK, now=at(9, 12))
    compliance, breached = report.tables()
    assert compliance.rows == (
        ("IT standard / First response", 1, 2, 0, 33.3),  # 1 met; 2 late, 4 overdue
        ("IT standard / Resolution", 1, 1, 1, 50.0),  # 1 met; 2 late; 4 paused
    )
    assert breached.rows == (
        ("#4", "Ticket 4", "IT standard", "First response", at(4, 12), None),
        ("#2", "Ticket 2", "IT standard", "Resolution", at(4, 10), at(6, 12)),
        ("#2", "Ticket 2", "IT standard", "First response", at(2, 14), at(2, 15)),
    )
    early = sla_report(session, WEEK, now=at(4, 11))  # before 4's first response was due
    assert early.tables()[0].rows[0] == ("IT standard / First response", 1, 1, 1, 50.0)
