"""The intake pipeline: a visible list of named stages run in one transaction.

Each stage looks at the `Intake` state and either enriches it or ends the run with an
explicit `Finish(outcome, reason)`. The last stage always finishes. Parsing and
classification happen before the transaction (they need no database)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from core.catalog import CatalogEntry
from core.models import InboundMessage, Ticket, User
from core.rules.engine import Evaluation
from core.tickets import NewAttachment
from mailgateway.classify import Verdict
from mailgateway.context import Finish, InboundMail
from mailgateway.identity import GatewayIdentity
from mailgateway.parse import ParsedMail


@dataclass
class Intake:
    """The working state of one message inside its transaction."""

    session: Session
    identity: GatewayIdentity
    mail: InboundMail
    parsed: ParsedMail
    verdict: Verdict
    attachments: tuple[NewAttachment, ...]
    row: InboundMessage
    sender: User | None = None
    sender_was_known: bool = False
    ticket: Ticket | None = None
    follow_up_of: Ticket | None = None
    staff_notes: list[str] = field(default_factory=list)
    catalog: CatalogEntry | None = None
    routing: Evaluation | None = None


Stage = Callable[[Intake], None]


def _stages() -> tuple[Stage, ...]:
    from mailgateway.stages import apply, classified, dedupe, route, sender, thread

    return (
        dedupe.drop_duplicates,
        classified.drop_loops,
        classified.record_bounces,
        sender.identify_sender,
        thread.find_ticket,
        classified.ignore_unthreaded_auto_replies,
        route.route_new_ticket,
        apply.apply_to_ticket,
    )


def run(intake: Intake) -> Finish:
    """Run every stage in order until one finishes; return that Finish."""
    for stage in _stages():
        try:
            stage(intake)
        except Finish as finish:
            return finish
    raise AssertionError("the last stage must finish the intake")
