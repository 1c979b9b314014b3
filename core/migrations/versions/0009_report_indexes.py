"""indexes for the reports: tickets by first response and resolution time, events by field and time

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24 10:00:00
"""

from __future__ import annotations

from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_tickets_first_response_at', 'tickets', ['first_response_at'], unique=False)
    op.create_index('ix_tickets_resolved_at', 'tickets', ['resolved_at'], unique=False)
    op.create_index('ix_ticket_events_field_created', 'ticket_events', ['field', 'created_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_ticket_events_field_created', table_name='ticket_events')
    op.drop_index('ix_tickets_resolved_at', table_name='tickets')
    op.drop_index('ix_tickets_first_response_at', table_name='tickets')
