"""imap uids are 32-bit unsigned

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 11:49:38.830388
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

def upgrade() -> None:
    with op.batch_alter_table('mailboxes', schema=None) as batch_op:
        batch_op.alter_column('uidvalidity',
               existing_type=sa.INTEGER(),
               type_=sa.BigInteger(),
               existing_nullable=True)
        batch_op.alter_column('last_uid',
               existing_type=sa.INTEGER(),
               type_=sa.BigInteger(),
               existing_nullable=False)

def downgrade() -> None:
    with op.batch_alter_table('mailboxes', schema=None) as batch_op:
        batch_op.alter_column('last_uid',
               existing_type=sa.BigInteger(),
               type_=sa.INTEGER(),
               existing_nullable=False)
        batch_op.alter_column('uidvalidity',
               existing_type=sa.BigInteger(),
               type_=sa.INTEGER(),
               existing_nullable=True)

