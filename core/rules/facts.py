"""What a rule can look at: the facts of one new ticket, however it arrived."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class MailFacts:
    sender: str
    subject: str = ""
    body: str = ""
    recipients: tuple[str, ...] = ()
    headers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Lower-case header names to their values, in order."""
    attachments: tuple[tuple[str, str], ...] = ()
    """(filename, content type) of each attachment."""
    sender_department: str = ""
    sender_known: bool = False
    received_at: datetime | None = None

    @property
    def sender_domain(self) -> str:
        return self.sender.rpartition("@")[2].lower()
