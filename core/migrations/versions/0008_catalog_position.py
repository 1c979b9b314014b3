"""catalog position, the ticket list's (group, status) index, the outbox's index by creation time

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

# Existing entries keep the order they were shown in (by name among their siblings).
CATALOG_TABLES = (('groups', None), ('categories', 'group_id'), ('subcategories', 'category_id'))


def _backfill(table: str, parent: str | None) -> None:
    same_parent = f'other.{parent} = {table}.{parent} AND ' if parent else ''
    op.execute(
        f'UPDATE {table} SET position = '
        f'(SELECT count(*) FROM {table} AS other WHERE {same_parent}other.name < {table}.name)'
    )


def upgrade() -> None:
    for table, parent in CATALOG_TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column('position', sa.Integer(), server_default='0', nullable=False))
        _backfill(table, parent)
    op.create_index('ix_tickets_group_status', 'tickets', ['group_id', 'status'], unique=False)
    op.create_index('ix_outbox_created', 'outbox', ['created_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_outbox_created', table_name='outbox')
    op.drop_index('ix_tickets_group_status', table_name='tickets')
    for table, _ in reversed(CATALOG_TABLES):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column('position')
