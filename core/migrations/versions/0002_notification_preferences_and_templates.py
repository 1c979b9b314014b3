"""notification preferences and templates

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 11:31:33.504746
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.models.base

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

def upgrade() -> None:
    op.create_table('mail_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('part', sa.Enum('subject', 'txt', 'html', name='mail_template_part', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('updated_at', core.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_templates')),
    sa.UniqueConstraint('name', 'part', name=op.f('uq_mail_templates_name_part'))
    )
    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notify_new_tickets', sa.Boolean(), server_default=sa.true(), nullable=False))

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('from_name', sa.String(length=200), server_default='', nullable=False))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notify_status_changes', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('notify_assignments', sa.Boolean(), server_default=sa.true(), nullable=False))

def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('notify_assignments')
        batch_op.drop_column('notify_status_changes')

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('from_name')

    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.drop_column('notify_new_tickets')

    op.drop_table('mail_templates')
