"""Talking IMAP through imapclient: connect, find new mail, fetch it, acknowledge it, IDLE.

Each verb is a small function over an `IMAPClient`, so the poller reads as a sequence of steps
and every step is exercised against a real Dovecot in the tests."""

from __future__ import annotations

import logging
import ssl
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any

from imapclient import DELETED, SEEN, IMAPClient

from core.mailboxes import MailboxAccount
from core.models import MailboxSecurity

log = logging.getLogger(__name__)

COMMAND_TIMEOUT = 30.0
"""Seconds to wait for a connection or a command's reply before calling the server gone."""
FETCH_BATCH = 10
"""Messages per FETCH: bounds memory to ten raw messages while keeping round trips few."""
IDLE_SLICE = 1.0
"""One wait inside IDLE: a stop request is noticed within about a second, and the timeout is
kept to within a second too."""


class ConnectionDropped(Exception):
    """The server ended the session (BYE, or the socket closed) while we were idling."""


@contextmanager
def open_session(account: MailboxAccount, timeout: float = COMMAND_TIMEOUT) -> Iterator[IMAPClient]:
    """A logged-in client for `account`, logged out (or at least closed) on exit.

    TLS and STARTTLS verify the certificate and host name with the system's CAs; a server
    that does not offer STARTTLS is an error, never a silent fall back to plain text."""
    client = _connect(account, timeout)
    try:
        client.login(account.username, account.password)
        yield client
    finally:
        close(client)


def _connect(account: MailboxAccount, timeout: float) -> IMAPClient:
    if account.security is MailboxSecurity.TLS:
        context = ssl.create_default_context()
        return IMAPClient(account.host, account.port, ssl=True, ssl_context=context, timeout=timeout)
    client = IMAPClient(account.host, account.port, ssl=False, timeout=timeout)
    if account.security is MailboxSecurity.STARTTLS:
        try:
            client.starttls(ssl.create_default_context())
        except BaseException:
            close(client)
            raise
    return client


def close(client: IMAPClient) -> None:
    """LOGOUT politely; if the connection is already broken, just drop the socket."""
    try:
        client.logout()
    except Exception:
        with suppress(Exception):
            client.shutdown()


def select_folder(client: IMAPClient, folder: str) -> int:
    """Select `folder` read-write (we set flags) and return its UIDVALIDITY."""
    response = client.select_folder(folder)
    return int(response[b"UIDVALIDITY"])


def ensure_folder(client: IMAPClient, folder: str) -> None:
    if not client.folder_exists(folder):
        client.create_folder(folder)
        log.info("created IMAP folder %r", folder)


def new_uids(client: IMAPClient, last_uid: int) -> list[int]:
    """UIDs of unseen messages above `last_uid`, oldest first.

    `UID n:*` always matches the highest UID in the folder even when it is below n (RFC 3501
    6.4.8: `*` is the largest UID in use), so the answer is filtered rather than trusted."""
    found = client.search(["UNSEEN", "UID", f"{last_uid + 1}:*"])
    return sorted(uid for uid in found if uid > last_uid)


def fetch_raw(client: IMAPClient, uids: Sequence[int]) -> Iterator[tuple[int, bytes]]:
    """(uid, raw bytes) in `uids` order, fetched a batch at a time with BODY.PEEK[].

    PEEK leaves \\Seen alone; plain RFC822 or BODY[] would mark the mail seen on the server
    before it is saved here. A message expunged meanwhile is simply not yielded."""
    for start in range(0, len(uids), FETCH_BATCH):
        batch = list(uids[start : start + FETCH_BATCH])
        response = client.fetch(batch, ["BODY.PEEK[]"])
        for uid in batch:
            raw = response.get(uid, {}).get(b"BODY[]")
            if raw is not None:
                yield uid, raw


def acknowledge(client: IMAPClient, uid: int, move_to: str | None) -> None:
    """Mark one ingested message handled: \\Seen, and with `move_to` also move it there.

    \\Seen goes first so the moved copy arrives read. Without the MOVE extension (RFC 6851) the
    move is COPY, \\Deleted and an expunge of just this UID (UIDPLUS); a server without UIDPLUS
    only has plain EXPUNGE, which also removes other messages someone flagged \\Deleted here."""
    client.add_flags([uid], [SEEN], silent=True)
    if move_to is None:
        return
    if client.has_capability("MOVE"):
        client.move([uid], move_to)
        return
    client.copy([uid], move_to)
    client.add_flags([uid], [DELETED], silent=True)
    if client.has_capability("UIDPLUS"):
        client.uid_expunge([uid])
    else:
        client.expunge()


def wait_for_mail(client: IMAPClient, stop: threading.Event, timeout: float) -> None:
    """IDLE (RFC 2177) until the server announces new mail, `timeout` passes, or `stop` is set.

    Raises ConnectionDropped if the server hangs up meanwhile; then the session is dead and
    DONE is not sent."""
    deadline = time.monotonic() + timeout
    client.idle()
    while not stop.is_set() and time.monotonic() < deadline:
        if _announces_mail(_idle_slice(client)):
            break
    client.idle_done()


def _idle_slice(client: IMAPClient) -> list[Any]:
    """The untagged responses of one short wait in IDLE.

    imapclient's idle_check() swallows the EOF of a closed socket and returns [] just as after
    a quiet wait. A quiet wait takes the whole slice, while a closed socket is readable at once
    and answers immediately, so an empty answer well before the slice ends means the server is
    gone."""
    started = time.monotonic()
    responses: list[Any] = client.idle_check(timeout=IDLE_SLICE)
    if any(response[:1] == (b"BYE",) for response in responses):
        raise ConnectionDropped(f"the server said goodbye: {_bye_text(responses)}")
    if not responses and time.monotonic() - started < IDLE_SLICE / 2:
        raise ConnectionDropped("the server closed the connection")
    return responses


def _announces_mail(responses: list[Any]) -> bool:
    """`* n EXISTS` is how a server in IDLE says a message arrived."""
    return any(len(response) >= 2 and response[1] == b"EXISTS" for response in responses)


def _bye_text(responses: list[Any]) -> str:
    bye = next(response for response in responses if response[:1] == (b"BYE",))
    return b" ".join(part for part in bye[1:] if isinstance(part, bytes)).decode("utf-8", "replace")
