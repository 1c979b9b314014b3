"""Reading the inbound log: every received message with its outcome, newest first."""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.keyset import newest_first
from core.models import InboundMessage, Outcome


def list_inbound(
    session: Session, outcome: Outcome | None = None, limit: int = 100, before: int | None = None
) -> list[InboundMessage]:
    """Newest first; `before` (an id) gives the next page (core.keyset)."""
    conditions = [InboundMessage.outcome == outcome] if outcome is not None else []
    return newest_first(session, InboundMessage, InboundMessage.id, conditions, limit, before)
