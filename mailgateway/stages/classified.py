"""Act on the classifier's verdict: loops are dropped, bounces recorded, stray auto-replies ignored."""

from __future__ import annotations

from sqlalchemy import update

from core.models import Outcome, User
from mailgateway.classify import MailKind
from mailgateway.context import Finish
from mailgateway.pipeline import Intake


def drop_loops(intake: Intake) -> None:
    if intake.verdict.kind is MailKind.LOOP:
        raise Finish(Outcome.LOOP_DROPPED, intake.verdict.reason or "our own mail came back")


def record_bounces(intake: Intake) -> None:
    """A hard bounce marks its recipients undeliverable, so nothing automatic goes there again."""
    verdict = intake.verdict
    if verdict.kind is not MailKind.BOUNCE:
        return
    recipients = [address.lower() for address in verdict.bounced_recipients]
    if verdict.permanent_bounce and recipients:
        intake.session.execute(update(User).where(User.email.in_(recipients)).values(undeliverable=True))
    kind = "permanent" if verdict.permanent_bounce else "temporary"
    named = ", ".join(recipients) or "no recipient named"
    raise Finish(Outcome.BOUNCE, f"{kind} failure for {named}: {verdict.reason}")


def ignore_unthreaded_auto_replies(intake: Intake) -> None:
    """An auto-reply joins its ticket as a comment; with no ticket it is only logged."""
    if intake.verdict.kind is MailKind.AUTO_REPLY and intake.ticket is None:
        raise Finish(Outcome.AUTO_REPLY_IGNORED, intake.verdict.reason)
