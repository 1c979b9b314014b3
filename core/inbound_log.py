"""Reading the inbound log: every received message with its outcome, newest first."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import InboundMessage, Outcome


def list_inbound(
    session: Session, outcome: Outcome | None = None, limit: int = 100, before: int | None = None
) -> list[InboundMessage]:
    """Newest first; `before` (an id) gives the next page, by key rather than offset."""
    query = select(InboundMessage).order_by(InboundMessage.id.desc()).limit(limit)
    if outcome is not None:
        query = query.where(InboundMessage.outcome == outcome)
    if before is not None:
        query = query.where(InboundMessage.id < before)
    return list(session.scalars(query))
