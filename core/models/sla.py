"""Service levels: the affected-service catalog, business calendars, SLA policies, the statuses
that pause the clocks, and each ticket's clocks and pauses.

What reports read (core.reports and whoever adds SLA figures to them):

- `ticket_sla_clocks`: one row per ticket and target (`first_response`, `workaround`,
  `resolution`) that the ticket's policy sets. `target_minutes` is the business time the
  policy gave when it was (re)selected; `due_at` the instant it runs out (NULL while the
  ticket is paused); `met_at` and `met_business_seconds` the formal record (the first public
  staff reply, or a staff member's explicit tick), the business seconds counted from the
  ticket's creation to `met_at` with pauses left out; `warned_at` / `breached_at` when the
  worker sent the warning / the breach notice. A target is met in time when
  `met_business_seconds <= target_minutes * 60`; it is breached when `breached_at` is set.
- `ticket_sla_pauses`: the intervals in which the ticket's clocks stood still (`ended_at`
  NULL: still paused).
- `tickets.sla_policy_id` (NULL: no SLA) and `tickets.sla_next_due_at` (the earliest `due_at`
  of the ticket's unmet clocks, for the list's sort and filters)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models.base import Base, str_enum
from core.models.catalog import Category, Group, Subcategory
from core.models.tickets import Priority, Status

DEFAULT_WARN_PERCENT = 75


class SlaTarget(StrEnum):
    FIRST_RESPONSE = "first_response"
    WORKAROUND = "workaround"
    RESOLUTION = "resolution"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Service(Base):
    """An affected software or service a ticket may name (an admin-kept list of its own)."""

    __tablename__ = "services"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    active: Mapped[bool] = mapped_column(default=True, server_default=true())


class SlaCalendar(Base):
    """Working hours per weekday in a time zone, minus national holidays (the `holidays`
    package, by country and optional subdivision) and the dates an admin adds."""

    __tablename__ = "sla_calendars"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    country: Mapped[str | None] = mapped_column(String(8))
    subdivision: Mapped[str | None] = mapped_column(String(32))

    hours: Mapped[list[SlaCalendarHours]] = relationship(
        order_by="(SlaCalendarHours.weekday, SlaCalendarHours.start_minute)", cascade="all, delete-orphan"
    )
    holidays: Mapped[list[SlaCalendarHoliday]] = relationship(
        order_by="SlaCalendarHoliday.day", cascade="all, delete-orphan"
    )


class SlaCalendarHours(Base):
    """One working period of a weekday (0 = Monday), in minutes after local midnight;
    `end_minute` 1440 is the end of the day."""

    __tablename__ = "sla_calendar_hours"

    id: Mapped[int] = mapped_column(primary_key=True)
    calendar_id: Mapped[int] = mapped_column(ForeignKey("sla_calendars.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(SmallInteger)
    start_minute: Mapped[int] = mapped_column(SmallInteger)
    end_minute: Mapped[int] = mapped_column(SmallInteger)


class SlaCalendarHoliday(Base):
    """A day off an admin adds on top of the national calendar (a company holiday)."""

    __tablename__ = "sla_calendar_holidays"

    calendar_id: Mapped[int] = mapped_column(ForeignKey("sla_calendars.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")


class SlaPolicy(Base):
    """The targets for the tickets of one demand type (group, optionally category and
    subcategory), optionally one affected service and one priority. Empty means "any"; the
    most specific active policy that matches a ticket is its policy (core.sla.selection)."""

    __tablename__ = "sla_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    active: Mapped[bool] = mapped_column(default=True, server_default=true())
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"))
    subcategory_id: Mapped[int | None] = mapped_column(ForeignKey("subcategories.id", ondelete="CASCADE"))
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id"))
    priority: Mapped[Priority | None] = mapped_column(str_enum(Priority, "sla_policy_priority"))
    first_response_minutes: Mapped[int | None]
    workaround_minutes: Mapped[int | None]
    resolution_minutes: Mapped[int | None]
    calendar_id: Mapped[int] = mapped_column(ForeignKey("sla_calendars.id"))
    warn_percent: Mapped[int] = mapped_column(default=DEFAULT_WARN_PERCENT, server_default=str(DEFAULT_WARN_PERCENT))
    """The share of a target (in percent) at which the assignee is warned."""
    contract_only: Mapped[bool] = mapped_column(default=False, server_default=false())
    """Chosen only for the tickets of a contract that names it (core.contracts.contract_policy),
    never by the catalog match: a "Gold" level a customer pays for reaches no one else."""

    group: Mapped[Group] = relationship()
    category: Mapped[Category | None] = relationship()
    subcategory: Mapped[Subcategory | None] = relationship()
    service: Mapped[Service | None] = relationship()
    calendar: Mapped[SlaCalendar] = relationship()

    def target_minutes(self) -> dict[SlaTarget, int]:
        """The targets this policy sets (a target left empty is none)."""
        minutes = {
            SlaTarget.FIRST_RESPONSE: self.first_response_minutes,
            SlaTarget.WORKAROUND: self.workaround_minutes,
            SlaTarget.RESOLUTION: self.resolution_minutes,
        }
        return {target: value for target, value in minutes.items() if value is not None}


class SlaPausingStatus(Base):
    """A status in which the clocks stand still (by default `waiting_on_customer`)."""

    __tablename__ = "sla_pausing_statuses"

    status: Mapped[Status] = mapped_column(str_enum(Status, "sla_pausing_status"), primary_key=True)


class TicketSlaPause(Base):
    """An interval in which a ticket's clocks stood still; `ended_at` NULL while it lasts."""

    __tablename__ = "ticket_sla_pauses"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class TicketSlaClock(Base):
    """One target of one ticket: its due time and its record (see the module docstring)."""

    __tablename__ = "ticket_sla_clocks"
    __table_args__ = (
        UniqueConstraint("ticket_id", "target"),
        Index("ix_ticket_sla_clocks_warning", "warned_at", "warn_at"),
        Index("ix_ticket_sla_clocks_breach", "breached_at", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    target: Mapped[SlaTarget] = mapped_column(str_enum(SlaTarget, "sla_target"))
    target_minutes: Mapped[int]
    due_at: Mapped[datetime | None]
    warn_at: Mapped[datetime | None]
    """When the policy's warn share of the target is used up (NULL once met, or while paused)."""
    met_at: Mapped[datetime | None]
    met_business_seconds: Mapped[int | None]
    warned_at: Mapped[datetime | None]
    breached_at: Mapped[datetime | None]

    @property
    def met_in_time(self) -> bool | None:
        """None while not met."""
        if self.met_business_seconds is None:
            return None
        return self.met_business_seconds <= self.target_minutes * 60
