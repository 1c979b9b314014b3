"""Operations bookkeeping shared by every process: leases, singleton job runs, purge marks
and the audit records of backups, restores and purges."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, utcnow


class Lease(Base):
    """Something only one process may do at a time (poll mailbox 3, ...), held by `holder`
    until `expires_at`; the holder renews it by heartbeat, anyone may take it once expired."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    acquired_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class JobRun(Base):
    """One run of a singleton job for one schedule slot (`backup` for `2026-11-23`).

    The primary key is the guard: of several workers, the one whose INSERT succeeds runs the
    slot. `lease_until` lets another worker take over a run whose worker died."""

    __tablename__ = "job_runs"

    job: Mapped[str] = mapped_column(String(64), primary_key=True)
    slot: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(default=1)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_until: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    detail: Mapped[str] = mapped_column(Text, default="")


class PurgeMark(Base):
    """How far a purge has got (`raw_mail` purged for everything received before `before`),
    so the next run looks only at what became old since."""

    __tablename__ = "purge_marks"

    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    before: Mapped[datetime]


class AuditRecord(Base):
    """An operation on the installation as a whole (purge, backup, restore): who, when, what.

    Ticket changes have their own history (ticket_events); a purge removes whole tickets with
    their history, so what it removed is recorded here."""

    __tablename__ = "audit_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text, default="")
