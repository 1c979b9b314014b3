"""What a backup reads from its database snapshot besides the dump: the files it needs, row
counts for the manifest, and the schema revision. Also the 'is it empty' test of a restore."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, exists, func, inspect, select, text, union

from core.models import Attachment, Base, InboundMessage, Message, Ticket, User

USED_WHEN_FILLED = frozenset({"users", "groups", "tickets", "inbound_messages", "mailboxes", "outbox"})
COUNTED = {"tickets": Ticket, "messages": Message, "attachments": Attachment, "inbound_messages": InboundMessage, "users": User}


@dataclass(frozen=True)
class DatabaseDump:
    path: Path
    member: str
    referenced_blobs: frozenset[str]
    counts: dict[str, int]
    revision: str | None


def referenced_blobs(connection: Connection) -> frozenset[str]:
    """Every sha256 the database refers to: raw mail of the inbound log and attachments."""
    query = union(select(Attachment.sha256), select(InboundMessage.raw_sha256))
    return frozenset(connection.execute(query).scalars())


def counts(connection: Connection) -> dict[str, int]:
    return {name: connection.scalar(select(func.count()).select_from(model)) or 0 for name, model in COUNTED.items()}


def revision(connection: Connection) -> str | None:
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.scalar(text("SELECT version_num FROM alembic_version"))


def facts(connection: Connection, path: Path, member: str) -> DatabaseDump:
    return DatabaseDump(path, member, referenced_blobs(connection), counts(connection), revision(connection))


def populated_tables(engine: Engine) -> list[str]:
    """The tables that show a database has been used (USED_WHEN_FILLED) and hold rows.

    Migrations may seed settings tables, so 'empty' cannot mean 'no rows anywhere': a database
    that only ever saw `postdesk db upgrade` counts as empty."""
    with engine.connect() as connection:
        present = set(inspect(connection).get_table_names())
        return [
            table.name
            for table in Base.metadata.sorted_tables
            if table.name in USED_WHEN_FILLED and table.name in present
            and connection.scalar(select(exists().select_from(table)))
        ]
