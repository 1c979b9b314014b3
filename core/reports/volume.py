"""The volume report: tickets created, resolved and reopened, and the backlog, over time; the
tickets created in the range by category and by channel (`Ticket.source`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.models import Ticket
from core.reports.flows import DayFlow, backlog_by_day, daily_flows, open_now
from core.reports.names import catalog_paths
from core.reports.period import Bucket, ReportFilter, bucket_of
from core.reports.table import ChartHint, ChartKind, Table
from core.ticket_queries import OPEN_STATUSES

CHANNELS = {"email": "Mail", "web": "Portal", "api": "API"}


@dataclass(frozen=True, slots=True)
class VolumePoint:
    period: date
    """The first day of the day, week or month."""
    created: int
    resolved: int
    reopened: int
    backlog: int
    """Open tickets at the end of the period (or of the range, if it ends inside the period)."""


@dataclass(frozen=True, slots=True)
class Breakdown:
    label: str
    created: int
    still_open: int

    @property
    def done(self) -> int:
        return self.created - self.still_open


@dataclass(frozen=True, slots=True)
class VolumeReport:
    spec: ReportFilter
    bucket: Bucket
    points: tuple[VolumePoint, ...]
    by_category: tuple[Breakdown, ...]
    by_channel: tuple[Breakdown, ...]

    @property
    def created(self) -> int:
        return sum(point.created for point in self.points)

    @property
    def resolved(self) -> int:
        return sum(point.resolved for point in self.points)

    @property
    def reopened(self) -> int:
        return sum(point.reopened for point in self.points)

    def tables(self) -> list[Table]:
        over_time = Table(
            "over_time", f"Tickets per {self.bucket.value}",
            (self.bucket.value.capitalize(), "Created", "Resolved", "Reopened", "Backlog"),
            tuple((p.period, p.created, p.resolved, p.reopened, p.backlog) for p in self.points),
            ChartHint(ChartKind.LINE, 0, (1, 2, 3, 4)),
        )  # fmt: skip
        return [over_time, _breakdown_table("by_category", "Created by category", "Category", self.by_category),
                _breakdown_table("by_channel", "Created by channel", "Channel", self.by_channel)]  # fmt: skip


def _breakdown_table(key: str, title: str, label: str, rows: tuple[Breakdown, ...]) -> Table:
    return Table(
        key, title, (label, "Created", "Still open", "Resolved or closed"),
        tuple((row.label, row.created, row.still_open, row.done) for row in rows),
        ChartHint(ChartKind.HORIZONTAL_BAR, 0, (1,)),
    )  # fmt: skip


def volume_report(session: Session, spec: ReportFilter) -> VolumeReport:
    conditions = spec.ticket_conditions()
    flows = daily_flows(session, conditions, spec.since)
    days = list(spec.each_day())
    backlog = backlog_by_day(open_now(session, conditions), flows, days)
    bucket = spec.bucket()
    return VolumeReport(
        spec, bucket, _folded(days, flows, backlog, bucket),
        tuple(_by_category(session, spec)), tuple(_by_channel(session, spec)),
    )  # fmt: skip


def _folded(days: list[date], flows: dict[date, DayFlow], backlog: dict[date, int], bucket: Bucket) -> tuple[VolumePoint, ...]:
    points: dict[date, VolumePoint] = {}
    for day in days:
        flow, key = flows.get(day, DayFlow()), bucket_of(day, bucket)
        before = points.get(key)
        points[key] = VolumePoint(
            key,
            flow.created + (before.created if before else 0),
            flow.resolved + (before.resolved if before else 0),
            flow.reopened + (before.reopened if before else 0),
            backlog[day],
        )
    return tuple(points.values())


def _created_in_range(spec: ReportFilter, *keys: Any) -> Any:
    still_open = func.count().filter(Ticket.status.in_(sorted(OPEN_STATUSES)))
    return (
        select(*keys, func.count().label("created"), still_open.label("still_open"))
        .where(*spec.in_range(Ticket.created_at), *spec.ticket_conditions())
        .group_by(*keys)
    )


def _by_category(session: Session, spec: ReportFilter) -> list[Breakdown]:
    rows = session.execute(_created_in_range(spec, Ticket.group_id, Ticket.category_id, Ticket.subcategory_id)).all()
    paths = catalog_paths(session, [(row[0], row[1], row[2]) for row in rows])
    breakdown = [Breakdown(paths[(row[0], row[1], row[2])], row.created, row.still_open) for row in rows]
    return sorted(breakdown, key=lambda item: (-item.created, item.label))


def _by_channel(session: Session, spec: ReportFilter) -> list[Breakdown]:
    rows = session.execute(_created_in_range(spec, Ticket.source)).all()
    breakdown = [Breakdown(CHANNELS.get(str(row[0].value), str(row[0].value)), row.created, row.still_open) for row in rows]
    return sorted(breakdown, key=lambda item: (-item.created, item.label))

