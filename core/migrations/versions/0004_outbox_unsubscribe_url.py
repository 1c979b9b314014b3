"""outbox unsubscribe url

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 11:50:58.052148
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unsubscribe_url', sa.String(length=1000), nullable=True))

def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('unsubscribe_url')

