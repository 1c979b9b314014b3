"""The speed report: time to first response and to resolution, median and 90th percentile,
overall, per group and per agent (the ticket's current assignee).

- First response: tickets whose first public staff reply (`first_response_at`) falls in the
  range, measured from the ticket's creation.
- Resolution: tickets whose current resolution (`resolved_at`) falls in the range, measured
  from creation, so a reopened ticket's time includes the time it was reopened.

Each figure is measured when it happened, so last week's answers count for last week even
if the ticket was opened a month ago. The first columns are wall-clock time over every
ticket; the business-time columns cover the tickets an SLA policy applies to, with the
business seconds the SLA clock recorded when the target was met (its calendar's working
hours and holidays, pauses left out: `ticket_sla_clocks.met_business_seconds`), for the
clocks met in the range."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Float, cast, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from core.models import SlaTarget, Ticket, TicketSlaClock
from core.reports.names import group_labels, user_labels
from core.reports.period import ReportFilter
from core.reports.sql import OVERALL, DurationStats, duration_stats, duration_stats_by, seconds_between
from core.reports.table import ChartHint, ChartKind, Table, hours

ALL = "All tickets"


@dataclass(frozen=True, slots=True)
class SpeedRow:
    label: str
    first_response: DurationStats
    resolution: DurationStats
    business_first_response: DurationStats
    business_resolution: DurationStats

    def cells(self) -> tuple[Any, ...]:
        first, done = self.first_response, self.resolution
        business_first, business_done = self.business_first_response, self.business_resolution
        return (self.label, first.count, hours(first.median), hours(first.p90),
                done.count, hours(done.median), hours(done.p90),
                hours(business_first.median), hours(business_first.p90),
                hours(business_done.median), hours(business_done.p90))  # fmt: skip


COLUMNS = ("Answered", "First response median (h)", "First response p90 (h)",
           "Resolved", "Resolution median (h)", "Resolution p90 (h)",
           "First response median, business (h)", "First response p90, business (h)",
           "Resolution median, business (h)", "Resolution p90, business (h)")  # fmt: skip


@dataclass(frozen=True, slots=True)
class SpeedReport:
    spec: ReportFilter
    overall: SpeedRow
    by_group: tuple[SpeedRow, ...]
    by_agent: tuple[SpeedRow, ...]

    def tables(self) -> list[Table]:
        chart = ChartHint(ChartKind.HORIZONTAL_BAR, 0, (2, 5))
        return [
            Table("by_group", "Per group", ("Group", *COLUMNS), tuple(row.cells() for row in (self.overall, *self.by_group)), chart),
            Table("by_agent", "Per agent", ("Agent", *COLUMNS), tuple(row.cells() for row in (self.overall, *self.by_agent)), chart),
        ]


def _wall(spec: ReportFilter, until: InstrumentedAttribute[Any], keys: tuple[Any, ...]) -> Any:
    """`keys..., seconds` from creation to `until` of the tickets whose `until` is in the range."""
    seconds = seconds_between(Ticket.created_at, until).label("seconds")
    return select(*keys, seconds).where(*spec.in_range(until), *spec.ticket_conditions())


def _business(spec: ReportFilter, target: SlaTarget, keys: tuple[Any, ...]) -> Any:
    """`keys..., seconds` of the SLA clocks of `target` met in the range: recorded business time."""
    clock = TicketSlaClock
    return (
        select(*keys, cast(clock.met_business_seconds, Float).label("seconds"))
        .select_from(clock)
        .join(Ticket, Ticket.id == clock.ticket_id)
        .where(clock.target == target, *spec.in_range(clock.met_at), clock.met_business_seconds.is_not(None), *spec.ticket_conditions())
    )


def speed_by(session: Session, spec: ReportFilter, key: Any) -> dict[Any, tuple[DurationStats, DurationStats]]:
    """(first response, resolution) in wall-clock time per value of `key` (a ticket column, or OVERALL)."""
    keys = (key if key is OVERALL else key.label("key"),)
    first = duration_stats(session, _wall(spec, Ticket.first_response_at, keys))
    done = duration_stats(session, _wall(spec, Ticket.resolved_at, keys))
    return {value: (first.get(value, DurationStats()), done.get(value, DurationStats())) for value in first.keys() | done.keys()}


KEYS = ("group_key", "agent_key")
"""The report's groupings: per group and per agent (and overall), in one pass per measure."""


def _measures(spec: ReportFilter) -> list[Any]:
    """First response and resolution in wall-clock time, then in business time."""
    keys = (Ticket.group_id.label(KEYS[0]), Ticket.assignee_id.label(KEYS[1]))
    return [_wall(spec, Ticket.first_response_at, keys), _wall(spec, Ticket.resolved_at, keys),
            _business(spec, SlaTarget.FIRST_RESPONSE, keys), _business(spec, SlaTarget.RESOLUTION, keys)]  # fmt: skip


def speed_report(session: Session, spec: ReportFilter) -> SpeedReport:
    measures = [duration_stats_by(session, query, KEYS) for query in _measures(spec)]

    def figures(name: str | None, value: Any) -> tuple[DurationStats, ...]:
        return tuple(measure[name].get(value, DurationStats()) for measure in measures)

    groups = {value for measure in measures for value in measure["group_key"]}
    agents = {value for measure in measures for value in measure["agent_key"]}
    return SpeedReport(
        spec,
        SpeedRow(ALL, *figures(None, 0)),
        _rows({value: figures("group_key", value) for value in groups}, group_labels(session, groups)),
        _rows({value: figures("agent_key", value) for value in agents}, user_labels(session, agents)),
    )


def _rows(stats: dict[Any, tuple[DurationStats, ...]], labels: dict[Any, str]) -> tuple[SpeedRow, ...]:
    rows = [SpeedRow(labels[key], *figures) for key, figures in stats.items()]
    return tuple(sorted(rows, key=lambda row: row.label.lower()))
