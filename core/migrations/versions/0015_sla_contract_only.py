"""SLA policies that only a contract brings to its tickets

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-25 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('sla_policies') as batch_op:
        batch_op.add_column(sa.Column('contract_only', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('sla_policies') as batch_op:
        batch_op.drop_column('contract_only')
