"""ticket search, list sort indexes and saved views

Full-text search is dialect-specific DDL that the models cannot describe, so this migration
writes it by hand (and `core.ticket_queries.include_object` keeps the model comparison from
calling it drift):

- PostgreSQL: GIN expression indexes on `to_tsvector('simple', ...)` of ticket titles and
  message bodies; queries must repeat the expression exactly (core.search) to use them.
  'simple' does no stemming: mail mixes languages, and error codes must match as typed.
- SQLite: FTS5 tables with external content (the index only, no second copy of the text),
  kept in sync by triggers, and filled from the existing rows by 'rebuild'.
  A later migration that makes Alembic rebuild `tickets` or `messages` on SQLite (batch
  "move and copy") drops these triggers with the old table: it must create them again.

PostgreSQL also gets an expression index for the list's priority sort (urgent first). SQLite,
the single-machine default, sorts by priority without one: its reflection cannot read
expression indexes and warns about every one. On PostgreSQL the indexes are built without
CONCURRENTLY, inside the migration's transaction: on a large existing database that blocks
writes to the table while it builds.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 12:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.models.base

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

PRIORITY_RANK_INDEX = (
    "CREATE INDEX ix_tickets_priority_rank ON tickets ("
    "(CASE priority WHEN 'urgent' THEN 4 WHEN 'high' THEN 3 WHEN 'medium' THEN 2 ELSE 1 END), updated_at, id)"
)

POSTGRESQL_SEARCH = [
    PRIORITY_RANK_INDEX,
    "CREATE INDEX ix_tickets_title_search ON tickets USING gin (to_tsvector('simple', title))",
    "CREATE INDEX ix_messages_text_search ON messages USING gin (to_tsvector('simple', text))",
]

SQLITE_SEARCH = [
    "CREATE VIRTUAL TABLE tickets_fts USING fts5("
    "title, content='tickets', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE VIRTUAL TABLE messages_fts USING fts5("
    "text, content='messages', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    """CREATE TRIGGER tickets_fts_insert AFTER INSERT ON tickets BEGIN
         INSERT INTO tickets_fts(rowid, title) VALUES (new.id, new.title);
       END""",
    """CREATE TRIGGER tickets_fts_delete AFTER DELETE ON tickets BEGIN
         INSERT INTO tickets_fts(tickets_fts, rowid, title) VALUES ('delete', old.id, old.title);
       END""",
    """CREATE TRIGGER tickets_fts_update AFTER UPDATE OF title ON tickets BEGIN
         INSERT INTO tickets_fts(tickets_fts, rowid, title) VALUES ('delete', old.id, old.title);
         INSERT INTO tickets_fts(rowid, title) VALUES (new.id, new.title);
       END""",
    """CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
         INSERT INTO messages_fts(rowid, text) VALUES (new.id, new.text);
       END""",
    """CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
         INSERT INTO messages_fts(messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
       END""",
    """CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages BEGIN
         INSERT INTO messages_fts(messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
         INSERT INTO messages_fts(rowid, text) VALUES (new.id, new.text);
       END""",
    "INSERT INTO tickets_fts(tickets_fts) VALUES ('rebuild')",
    "INSERT INTO messages_fts(messages_fts) VALUES ('rebuild')",
]

SQLITE_DROP = [
    *(f"DROP TRIGGER {table}_fts_{event}" for table in ("tickets", "messages") for event in ("insert", "delete", "update")),
    "DROP TABLE messages_fts",
    "DROP TABLE tickets_fts",
]


def upgrade() -> None:
    op.create_table('saved_views',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('query', sa.Text(), nullable=False),
    sa.Column('created_at', core.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_saved_views_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_views')),
    sa.UniqueConstraint('user_id', 'name', name=op.f('uq_saved_views_user_id_name'))
    )
    op.create_index('ix_tickets_updated_at_id', 'tickets', ['updated_at', 'id'], unique=False)
    dialect = op.get_bind().dialect.name
    for statement in POSTGRESQL_SEARCH if dialect == "postgresql" else SQLITE_SEARCH if dialect == "sqlite" else []:
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP INDEX ix_messages_text_search")
        op.execute("DROP INDEX ix_tickets_title_search")
        op.execute("DROP INDEX ix_tickets_priority_rank")
    elif dialect == "sqlite":
        for statement in SQLITE_DROP:
            op.execute(statement)
    op.drop_index('ix_tickets_updated_at_id', table_name='tickets')
    op.drop_table('saved_views')
