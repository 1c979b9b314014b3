"""SLA: services, business calendars, policies, pausing statuses, ticket clocks and pauses, group leads

New columns on `tickets` and `group_members` are added with ALTER TABLE on every database.
On SQLite a foreign key in ALTER TABLE ADD COLUMN must be written as a column constraint
(Alembic would rebuild the table instead, which drops the FTS5 triggers of migration 0006),
so those two columns are added by hand there. `waiting_on_customer` is the one status that
pauses the clocks until an admin says otherwise.

PostgreSQL also gets the expression index of the ticket list's "next due" sort
(core.sla.list_queries.DUE_RANK); like the priority sort of 0006, SQLite sorts without one.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-24 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.models.base

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

DUE_RANK_INDEX = (
    "CREATE INDEX ix_tickets_sla_due_rank ON tickets "
    "((COALESCE(sla_next_due_at, TIMESTAMPTZ '9999-01-01 00:00:00+00')), id)"
)
STATUSES = ('new', 'assigned', 'in_progress', 'waiting_on_customer', 'resolved', 'closed')
TARGETS = ('first_response', 'workaround', 'resolution')
PRIORITIES = ('low', 'medium', 'high', 'urgent')


def _enum(name: str, values: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def _create_catalogs() -> None:
    op.create_table('services',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_services')),
    sa.UniqueConstraint('name', name=op.f('uq_services_name'))
    )
    op.create_table('sla_calendars',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('country', sa.String(length=8), nullable=True),
    sa.Column('subdivision', sa.String(length=32), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sla_calendars')),
    sa.UniqueConstraint('name', name=op.f('uq_sla_calendars_name'))
    )
    op.create_table('sla_calendar_hours',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('calendar_id', sa.Integer(), nullable=False),
    sa.Column('weekday', sa.SmallInteger(), nullable=False),
    sa.Column('start_minute', sa.SmallInteger(), nullable=False),
    sa.Column('end_minute', sa.SmallInteger(), nullable=False),
    sa.ForeignKeyConstraint(['calendar_id'], ['sla_calendars.id'], name=op.f('fk_sla_calendar_hours_calendar_id_sla_calendars'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sla_calendar_hours'))
    )
    op.create_index(op.f('ix_sla_calendar_hours_calendar_id'), 'sla_calendar_hours', ['calendar_id'], unique=False)
    op.create_table('sla_calendar_holidays',
    sa.Column('calendar_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['calendar_id'], ['sla_calendars.id'], name=op.f('fk_sla_calendar_holidays_calendar_id_sla_calendars'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('calendar_id', 'day', name=op.f('pk_sla_calendar_holidays'))
    )
    op.create_table('sla_policies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('subcategory_id', sa.Integer(), nullable=True),
    sa.Column('service_id', sa.Integer(), nullable=True),
    sa.Column('priority', _enum('sla_policy_priority', PRIORITIES), nullable=True),
    sa.Column('first_response_minutes', sa.Integer(), nullable=True),
    sa.Column('workaround_minutes', sa.Integer(), nullable=True),
    sa.Column('resolution_minutes', sa.Integer(), nullable=True),
    sa.Column('calendar_id', sa.Integer(), nullable=False),
    sa.Column('warn_percent', sa.Integer(), server_default='75', nullable=False),
    sa.ForeignKeyConstraint(['calendar_id'], ['sla_calendars.id'], name=op.f('fk_sla_policies_calendar_id_sla_calendars')),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_sla_policies_category_id_categories'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_sla_policies_group_id_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_sla_policies_service_id_services')),
    sa.ForeignKeyConstraint(['subcategory_id'], ['subcategories.id'], name=op.f('fk_sla_policies_subcategory_id_subcategories'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sla_policies')),
    sa.UniqueConstraint('name', name=op.f('uq_sla_policies_name'))
    )
    op.create_index(op.f('ix_sla_policies_group_id'), 'sla_policies', ['group_id'], unique=False)
    pausing = op.create_table('sla_pausing_statuses',
    sa.Column('status', _enum('sla_pausing_status', STATUSES), nullable=False),
    sa.PrimaryKeyConstraint('status', name=op.f('pk_sla_pausing_statuses'))
    )
    op.bulk_insert(pausing, [{'status': 'waiting_on_customer'}])


def _create_ticket_tables() -> None:
    op.create_table('ticket_sla_pauses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('started_at', core.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', core.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_sla_pauses_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_sla_pauses'))
    )
    op.create_index(op.f('ix_ticket_sla_pauses_ticket_id'), 'ticket_sla_pauses', ['ticket_id'], unique=False)
    op.create_table('ticket_sla_clocks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('target', _enum('sla_target', TARGETS), nullable=False),
    sa.Column('target_minutes', sa.Integer(), nullable=False),
    sa.Column('due_at', core.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('warn_at', core.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('met_at', core.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('met_business_seconds', sa.Integer(), nullable=True),
    sa.Column('warned_at', core.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('breached_at', core.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_sla_clocks_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_sla_clocks')),
    sa.UniqueConstraint('ticket_id', 'target', name=op.f('uq_ticket_sla_clocks_ticket_id_target'))
    )
    op.create_index('ix_ticket_sla_clocks_breach', 'ticket_sla_clocks', ['breached_at', 'due_at'], unique=False)
    op.create_index('ix_ticket_sla_clocks_warning', 'ticket_sla_clocks', ['warned_at', 'warn_at'], unique=False)


def _add_reference(table: str, column: str, target: str) -> None:
    """A nullable integer column referring to `target`.id, without rebuilding `table` on SQLite."""
    name = f"fk_{table}_{column}_{target}"
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"ALTER TABLE {table} ADD COLUMN {column} INTEGER CONSTRAINT {name} REFERENCES {target} (id)")
    else:
        op.add_column(table, sa.Column(column, sa.Integer(), nullable=True))
        op.create_foreign_key(name, table, target, [column], ['id'])


def upgrade() -> None:
    _create_catalogs()
    _create_ticket_tables()
    _add_reference('tickets', 'service_id', 'services')
    _add_reference('tickets', 'sla_policy_id', 'sla_policies')
    op.add_column('tickets', sa.Column('sla_next_due_at', core.models.base.UTCDateTime(timezone=True), nullable=True))
    op.create_index(op.f('ix_tickets_sla_next_due_at'), 'tickets', ['sla_next_due_at'], unique=False)
    op.add_column('group_members', sa.Column('lead', sa.Boolean(), server_default=sa.false(), nullable=False))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(DUE_RANK_INDEX)


TICKET_FTS_TRIGGERS = [
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
]
"""Migration 0006's triggers on `tickets`: SQLite cannot drop a column that has a foreign key
in place, so the downgrade rebuilds the table, which drops them; they are created again."""


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP INDEX ix_tickets_sla_due_rank")
    with op.batch_alter_table('group_members', schema=None) as batch_op:
        batch_op.drop_column('lead')
    op.drop_index(op.f('ix_tickets_sla_next_due_at'), table_name='tickets')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_constraint('fk_tickets_sla_policy_id_sla_policies', type_='foreignkey')
        batch_op.drop_constraint('fk_tickets_service_id_services', type_='foreignkey')
        for column in ('sla_next_due_at', 'sla_policy_id', 'service_id'):
            batch_op.drop_column(column)
    if dialect == "sqlite":
        for statement in TICKET_FTS_TRIGGERS:
            op.execute(statement)
    for table in ('ticket_sla_clocks', 'ticket_sla_pauses', 'sla_pausing_statuses', 'sla_policies',
                  'sla_calendar_holidays', 'sla_calendar_hours', 'sla_calendars', 'services'):
        op.drop_table(table)
