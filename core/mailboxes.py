"""Mailbox services: the IMAP accounts the poller reads, and how far it got in each.

No IMAP here. The poller (mailgateway/imap) talks to the server and calls these verbs, each in
its own short transaction, so a long IMAP session never holds a database transaction open.

`last_uid` is the highest UID that was ingested *and* acknowledged; it is only valid together
with the folder's `uidvalidity`. `last_polled_at` is when a round last finished; `last_error`
says why the latest attempt failed and is cleared by the next good round."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.errors import AlreadyExists, InvalidInput, NotFound
from core.models import Mailbox, MailboxSecurity, utcnow
from core.serialize import iso

MAX_ERROR_LENGTH = 2000


@dataclass(frozen=True, slots=True)
class MailboxAccount:
    """A detached, immutable copy of what a poller needs to connect to one mailbox.

    Two copies compare equal exactly when nothing the connection depends on changed, which is
    how the gateway notices an edited mailbox. The password stays out of `repr`, so logging an
    account never leaks it."""

    id: int
    name: str
    host: str
    port: int
    security: MailboxSecurity
    username: str
    password: str = field(repr=False)
    folder: str
    move_to: str | None

    @classmethod
    def from_row(cls, row: Mailbox) -> MailboxAccount:
        return cls(
            id=row.id,
            name=row.name,
            host=row.host,
            port=row.port,
            security=row.security,
            username=row.username,
            password=row.password,
            folder=row.folder,
            move_to=row.move_to,
        )


class Position(NamedTuple):
    """Where to continue in a folder: after `last_uid`; `reset` when UIDVALIDITY changed."""

    last_uid: int
    reset: bool


def parse_security(value: str) -> MailboxSecurity:
    try:
        return MailboxSecurity(value.strip().lower())
    except ValueError:
        choices = ", ".join(item.value for item in MailboxSecurity)
        raise InvalidInput(f"unknown security {value!r}; use one of: {choices}") from None


def default_port(security: MailboxSecurity) -> int:
    """993 for implicit TLS, 143 for STARTTLS and plain (the IANA ports)."""
    return 993 if security is MailboxSecurity.TLS else 143


def _required(label: str, value: str, limit: int) -> str:
    cleaned = value.strip()
    if not cleaned:
        raise InvalidInput(f"the mailbox {label} must not be empty")
    if len(cleaned) > limit:
        raise InvalidInput(f"the mailbox {label} is longer than {limit} characters")
    return cleaned


def _validated(
    session: Session,
    *,
    name: str,
    host: str,
    port: int,
    security: MailboxSecurity,
    username: str,
    password: str,
    folder: str,
    move_to: str | None,
    mailbox_id: int | None = None,
) -> dict[str, Any]:
    """The column values for a new or edited mailbox, or InvalidInput/AlreadyExists naming the field."""
    name = _required("name", name, 120)
    if not 1 <= port <= 65535:
        raise InvalidInput(f"port {port} is not between 1 and 65535")
    if not password:
        raise InvalidInput("the mailbox password must not be empty")
    if len(password) > 500:
        raise InvalidInput("the mailbox password is longer than 500 characters")
    folder = _required("folder", folder, 255)
    target = _required("move-to folder", move_to, 255) if move_to is not None else None
    if target == folder:
        raise InvalidInput(f"the move-to folder {target!r} is the folder being polled")
    clash = session.scalar(select(Mailbox.id).where(Mailbox.name == name))
    if clash is not None and clash != mailbox_id:
        raise AlreadyExists(f"a mailbox {name!r} already exists")
    return {
        "name": name,
        "host": _required("host", host, 255),
        "port": port,
        "security": security,
        "username": _required("user", username, 320),
        "password": password,
        "folder": folder,
        "move_to": target,
    }


def add_mailbox(
    session: Session,
    name: str,
    *,
    host: str,
    port: int,
    security: MailboxSecurity,
    username: str,
    password: str,
    folder: str = "INBOX",
    move_to: str | None = None,
) -> Mailbox:
    """Register an IMAP mailbox to poll; the gateway picks it up on its next look at the list."""
    values = _validated(
        session, name=name, host=host, port=port, security=security, username=username,
        password=password, folder=folder, move_to=move_to,
    )
    mailbox = Mailbox(**values, enabled=True, last_uid=0, last_error="")
    session.add(mailbox)
    session.flush()
    return mailbox


def update_mailbox(
    session: Session,
    mailbox: Mailbox,
    *,
    name: str,
    host: str,
    port: int,
    security: MailboxSecurity,
    username: str,
    password: str | None,
    folder: str,
    move_to: str | None,
) -> None:
    """An admin's edit; an empty `password` keeps the stored one. Pointing the mailbox at
    another server, account or folder forgets the position: UIDs from the old folder mean
    nothing in the new one. Mail offered again is deduped, never doubled."""
    values = _validated(
        session, name=name, host=host, port=port, security=security, username=username,
        password=password or mailbox.password, folder=folder, move_to=move_to, mailbox_id=mailbox.id,
    )
    moved = (values["host"], values["username"], values["folder"]) != (mailbox.host, mailbox.username, mailbox.folder)
    for column, value in values.items():
        setattr(mailbox, column, value)
    if moved:
        mailbox.uidvalidity = None
        mailbox.last_uid = 0
    session.flush()


def list_mailboxes(session: Session) -> list[Mailbox]:
    return list(session.scalars(select(Mailbox).order_by(Mailbox.name)))


def enabled_accounts(session: Session) -> list[MailboxAccount]:
    rows = session.scalars(select(Mailbox).where(Mailbox.enabled.is_(True)).order_by(Mailbox.id))
    return [MailboxAccount.from_row(row) for row in rows]


def _get(session: Session, mailbox_id: int) -> Mailbox:
    mailbox = session.get(Mailbox, mailbox_id)
    if mailbox is None:
        raise NotFound(f"no mailbox #{mailbox_id}")
    return mailbox


def resume_position(session: Session, mailbox_id: int, uidvalidity: int) -> Position:
    """Where to continue after selecting the folder and reading its UIDVALIDITY.

    UIDs mean nothing across UIDVALIDITY values (the folder was recreated or the server
    renumbered it), so a change sets `last_uid` back to 0 and all unseen mail is offered again.
    That is safe: ingest dedupes by Message-ID (else the raw bytes' sha256), so mail that was
    already ingested comes out as a `duplicate` outcome, never as a second ticket."""
    mailbox = _get(session, mailbox_id)
    if mailbox.uidvalidity == uidvalidity:
        return Position(mailbox.last_uid, reset=False)
    reset = mailbox.uidvalidity is not None
    mailbox.uidvalidity = uidvalidity
    mailbox.last_uid = 0
    return Position(0, reset=reset)


def save_position(session: Session, mailbox_id: int, last_uid: int) -> None:
    """Record that every wanted message up to `last_uid` is ingested and acknowledged."""
    session.execute(update(Mailbox).where(Mailbox.id == mailbox_id).values(last_uid=last_uid))


def record_poll(session: Session, mailbox_id: int) -> None:
    """A round finished: stamp the time and clear the last error."""
    session.execute(update(Mailbox).where(Mailbox.id == mailbox_id).values(last_polled_at=utcnow(), last_error=""))


def record_error(session: Session, mailbox_id: int, error: str) -> None:
    """An attempt failed: keep why, for `postdesk mailbox list` and the admin panel."""
    session.execute(update(Mailbox).where(Mailbox.id == mailbox_id).values(last_error=error[:MAX_ERROR_LENGTH]))


def mailbox_summary(mailbox: Mailbox) -> dict[str, Any]:
    """The JSON shape of a mailbox (`postdesk mailbox list --json`); never the password."""
    return {
        "name": mailbox.name,
        "host": mailbox.host,
        "port": mailbox.port,
        "security": mailbox.security.value,
        "username": mailbox.username,
        "folder": mailbox.folder,
        "move_to": mailbox.move_to,
        "enabled": mailbox.enabled,
        "uidvalidity": mailbox.uidvalidity,
        "last_uid": mailbox.last_uid,
        "last_polled_at": iso(mailbox.last_polled_at),
        "last_error": mailbox.last_error,
    }
