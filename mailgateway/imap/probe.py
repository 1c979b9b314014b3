"""'Test connection' for a mailbox: log in and open its folder the way the poller would, once.

The folder is opened read-only (EXAMINE), so a test changes nothing on the server: no flags,
no \\Recent, no folders created. Every failure comes back as one readable line, not a traceback."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from core.mailboxes import MailboxAccount
from mailgateway.imap.connection import open_session
from mailgateway.imap.poller import describe

log = logging.getLogger(__name__)

PROBE_TIMEOUT = 10.0
"""Seconds: an admin is waiting for the page."""


@dataclass(frozen=True, slots=True)
class ProbeResult:
    ok: bool
    detail: str


def probe(account: MailboxAccount, timeout: float = PROBE_TIMEOUT) -> ProbeResult:
    try:
        with open_session(account, timeout) as client:
            folder = client.select_folder(account.folder, readonly=True)
            missing = account.move_to is not None and not client.folder_exists(account.move_to)
    except Exception as error:
        expected = describe(error)
        if expected is None:
            log.exception("testing mailbox %s failed unexpectedly", account.name)
        return ProbeResult(False, expected or f"{type(error).__name__}: {error}")
    detail = f"Signed in as {account.username} and opened {account.folder} ({int(folder[b'EXISTS'])} messages)."
    if missing:
        detail += f" The folder {account.move_to} does not exist yet; the poller creates it."
    return ProbeResult(True, detail)
