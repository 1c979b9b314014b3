"""index inbound messages by their raw source, for the retention sweep

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-23 16:05:00
"""

from __future__ import annotations

from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_inbound_messages_raw_sha256', 'inbound_messages', ['raw_sha256'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_inbound_messages_raw_sha256', table_name='inbound_messages')
