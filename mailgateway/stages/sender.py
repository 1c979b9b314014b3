"""Who wrote: From, else Reply-To, else the envelope sender. A mail-only user on first contact."""

from __future__ import annotations

from core.errors import InvalidInput
from core.models import Outcome
from core.users import sender_user
from mailgateway.context import Finish
from mailgateway.pipeline import Intake


def _candidates(intake: Intake) -> list[str]:
    parsed = intake.parsed
    return [
        address
        for address in (parsed.from_address, *parsed.reply_to, intake.mail.envelope_from)
        if address
    ]


def identify_sender(intake: Intake) -> None:
    for address in _candidates(intake):
        if address.lower() in intake.identity.support_addresses:
            raise Finish(Outcome.LOOP_DROPPED, f"mail from our own address {address}")
        try:
            intake.sender, intake.sender_was_known = sender_user(intake.session, address, intake.parsed.from_name)
        except InvalidInput:
            continue
        return
    raise Finish(Outcome.REJECTED, "no usable sender address (From, Reply-To and envelope sender)")
