"""One mailbox's loop: connect, catch up on unseen mail, IDLE (or sleep), repeat; back off on failure.

Delivery is at least once and acknowledged strictly after commit: a message is marked \\Seen (or
moved) and `last_uid` advanced only after `ingest()` returned, i.e. after its outcome is in the
database. If the connection drops between the commit and the acknowledgement, the message is
offered again next session and ingest records it as a `duplicate`, never as a second ticket.

Every failure (the server went away, the login was refused, the database is down) ends the IMAP
session; the loop waits with exponential backoff and starts over with a fresh connection and the
position read back from the database. One recovery path for every failure keeps the states few,
and a reconnect costs milliseconds next to the backoff. A message that ingest cannot handle is
quarantined by ingest and acknowledged like any other; only if ingest itself raises something
unexpected does the mailbox stop at that message (retried with backoff, the error on the row):
skipping it could lose it.

The poller owns its folder: only unseen mail is fetched, so a message a person opens there
before the poller gets to it is never ingested. Point it at a dedicated support mailbox."""

from __future__ import annotations

import imaplib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from imapclient import IMAPClient
from imapclient.exceptions import LoginError
from sqlalchemy.orm import Session, sessionmaker

from core.db import is_unavailable, unit_of_work
from core.mailboxes import MailboxAccount, record_error, record_poll, resume_position, save_position
from core.models import InboundSource
from mailgateway.context import InboundMail, IngestResult, TemporaryFailure
from mailgateway.imap.connection import (
    ConnectionDropped,
    acknowledge,
    ensure_folder,
    fetch_raw,
    new_uids,
    open_session,
    select_folder,
    wait_for_mail,
)

log = logging.getLogger(__name__)

Deliver = Callable[[InboundMail], IngestResult]
"""What the poller hands each message to: `functools.partial(ingest, gateway)` in production."""

FAILURE_KINDS: tuple[tuple[type[BaseException], str], ...] = (
    (LoginError, "login refused"),
    (imaplib.IMAP4.abort, "connection lost"),
    (ConnectionDropped, "connection lost"),
    (imaplib.IMAP4.error, "IMAP error"),  # imapclient's errors derive from imaplib's
    (TemporaryFailure, "ingest failed temporarily"),
    (OSError, "network error"),  # refused, reset, timed out, TLS
)
"""The failures that are part of life for a poller, first match wins; anything else is a bug."""


@dataclass(frozen=True, slots=True)
class PollTiming:
    idle_timeout: float = 60.0
    """Longest IDLE before polling anyway (servers may silently drop idle clients)."""
    poll_interval: float = 30.0
    """Pause between rounds on a server without IDLE."""


class Backoff:
    """Delays of 1, 2, 4, ... seconds up to a cap; back to the start after a good round."""

    def __init__(self, first: float = 1.0, cap: float = 60.0) -> None:
        self._first = first
        self._cap = cap
        self._next = first

    def next_delay(self) -> float:
        delay = self._next
        self._next = min(delay * 2, self._cap)
        return delay

    def reset(self) -> None:
        self._next = self._first


class MailboxPoller:
    """Polls one mailbox until `stop` is set; meant to be the target of its own thread."""

    def __init__(
        self,
        account: MailboxAccount,
        sessions: sessionmaker[Session],
        deliver: Deliver,
        stop: threading.Event,
        timing: PollTiming,
    ) -> None:
        self.account = account
        self.sessions = sessions
        self.deliver = deliver
        self.stop = stop
        self.timing = timing

    def run(self) -> None:
        backoff = Backoff()
        while not self.stop.is_set():
            try:
                self._session(backoff)
            except Exception as error:  # whatever broke, the mailbox must keep being polled
                delay = backoff.next_delay()
                self._report_failure(error, delay)
                self.stop.wait(delay)

    def _session(self, backoff: Backoff) -> None:
        """One IMAP connection: rounds of catching up and waiting, until stop or a failure."""
        with open_session(self.account) as client:
            last_uid = self._resume(client)
            can_idle = client.has_capability("IDLE")
            log.info("mailbox %s: connected, continuing after UID %d", self.account.name, last_uid)
            while not self.stop.is_set():
                last_uid = self._catch_up(client, last_uid)
                self._in_transaction(record_poll)
                backoff.reset()
                self._wait(client, can_idle)

    def _resume(self, client: IMAPClient) -> int:
        uidvalidity = select_folder(client, self.account.folder)
        if self.account.move_to:
            ensure_folder(client, self.account.move_to)
        with unit_of_work(self.sessions) as session:
            position = resume_position(session, self.account.id, uidvalidity)
        if position.reset:
            log.warning(
                "mailbox %s: UIDVALIDITY is now %d; offering all unseen mail again (dedupe drops what was ingested)",
                self.account.name,
                uidvalidity,
            )
        return position.last_uid

    def _catch_up(self, client: IMAPClient, last_uid: int) -> int:
        """Ingest and acknowledge unseen mail above `last_uid` in UID order; return the new mark.

        A TemporaryFailure propagates before the acknowledgement: that message stays unseen,
        `last_uid` stays below it, and the next session offers it again."""
        for uid, raw in fetch_raw(client, new_uids(client, last_uid)):
            if self.stop.is_set():
                break
            result = self.deliver(InboundMail(raw=raw, source=InboundSource.IMAP))
            name, outcome = self.account.name, result.outcome.value
            log.info("mailbox %s: UID %d -> %s (inbound #%d)", name, uid, outcome, result.inbound_id)
            acknowledge(client, uid, self.account.move_to)
            last_uid = uid
            self._in_transaction(save_position, last_uid)
        return last_uid

    def _wait(self, client: IMAPClient, can_idle: bool) -> None:
        if can_idle:
            wait_for_mail(client, self.stop, self.timing.idle_timeout)
        else:
            self.stop.wait(self.timing.poll_interval)

    def _in_transaction(self, verb: Callable[..., None], *args: int) -> None:
        """Run a core.mailboxes verb for this mailbox in its own short transaction."""
        with unit_of_work(self.sessions) as session:
            verb(session, self.account.id, *args)

    def _report_failure(self, error: Exception, delay: float) -> None:
        """Log the failure and keep it on the mailbox row (if the database is there to keep it)."""
        text = describe(error)
        if text is not None:
            log.warning("mailbox %s: %s; retrying in %.0f s", self.account.name, text, delay)
        else:
            text = f"{type(error).__name__}: {error}"
            log.exception("mailbox %s: unexpected failure; retrying in %.0f s", self.account.name, delay)
        try:
            with unit_of_work(self.sessions) as session:
                record_error(session, self.account.id, text)
        except Exception as db_error:
            if not is_unavailable(db_error):
                log.exception("mailbox %s: could not record the failure", self.account.name)


def describe(error: Exception) -> str | None:
    """One readable line for an expected failure (see FAILURE_KINDS), None for anything else."""
    if is_unavailable(error):
        return "database unavailable: " + _first_line(getattr(error, "orig", None) or error)
    kind = next((label for cls, label in FAILURE_KINDS if isinstance(error, cls)), None)
    return f"{kind}: {_first_line(error)}" if kind else None


def _first_line(error: BaseException) -> str:
    """imapclient puts the server's reply in as a bytes repr (b'...'); show the text itself."""
    text = (str(error).strip().splitlines() or [type(error).__name__])[0]
    if len(text) > 2 and text[0] == "b" and text[1] in "'\"" and text[-1] == text[1]:
        return text[2:-1]
    return text
