"""organizations, memberships, mail domains, contracts; tickets' organization and contract

The two new columns on `tickets` are added with ALTER TABLE on every database (on PostgreSQL
with a larger statistics target, see STATISTICS_TARGET). On SQLite the
foreign key of ALTER TABLE ADD COLUMN is written as a column constraint by hand: Alembic would
rebuild the table instead, which drops the FTS5 triggers of migration 0006 (as 0012 does).

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-24 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.models.base

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

TICKET_REFERENCES = (('organization_id', 'organizations'), ('contract_id', 'contracts'))
STATISTICS_TARGET = 1000
"""PostgreSQL keeps the most common values of a column up to its statistics target (default
100). Organizations and contracts number in the hundreds: with 1000, a small organization's
share of the tickets is known too, so a list filtered to it uses its index instead of
walking the whole list by date (measured at a million tickets: 0.2 ms instead of 87 ms)."""


def _create_organizations() -> None:
    op.create_table('organizations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('created_at', core.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['organizations.id'], name=op.f('fk_organizations_parent_id_organizations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organizations')),
    sa.UniqueConstraint('name', name=op.f('uq_organizations_name'))
    )
    op.create_index(op.f('ix_organizations_parent_id'), 'organizations', ['parent_id'], unique=False)
    op.create_table('organization_domains',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('domain', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_organization_domains_organization_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organization_domains')),
    sa.UniqueConstraint('domain', name=op.f('uq_organization_domains_domain'))
    )
    op.create_index(op.f('ix_organization_domains_organization_id'), 'organization_domains', ['organization_id'], unique=False)
    op.create_table('organization_members',
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_organization_members_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_organization_members_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('organization_id', 'user_id', name=op.f('pk_organization_members'))
    )
    op.create_index(op.f('ix_organization_members_user_id'), 'organization_members', ['user_id'], unique=False)


def _user_set(table: str) -> None:
    """A contract's customer or support managers."""
    op.create_table(table,
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f(f'fk_{table}_contract_id_contracts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f(f'fk_{table}_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('contract_id', 'user_id', name=op.f(f'pk_{table}'))
    )
    op.create_index(op.f(f'ix_{table}_user_id'), table, ['user_id'], unique=False)


def _create_contracts() -> None:
    op.create_table('contracts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('sla_policy_id', sa.Integer(), nullable=True),
    sa.Column('created_at', core.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_contracts_organization_id_organizations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['sla_policy_id'], ['sla_policies.id'], name=op.f('fk_contracts_sla_policy_id_sla_policies'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contracts')),
    sa.UniqueConstraint('organization_id', 'name', name=op.f('uq_contracts_organization_id_name'))
    )
    op.create_table('contract_groups',
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_contract_groups_contract_id_contracts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_contract_groups_group_id_groups'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('contract_id', 'group_id', name=op.f('pk_contract_groups'))
    )
    op.create_table('contract_categories',
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_contract_categories_category_id_categories'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['contract_id'], ['contracts.id'], name=op.f('fk_contract_categories_contract_id_contracts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('contract_id', 'category_id', name=op.f('pk_contract_categories'))
    )
    _user_set('contract_customer_managers')
    _user_set('contract_support_managers')


def _add_ticket_reference(column: str, target: str) -> None:
    """A nullable reference from `tickets` to `target`.id, without rebuilding `tickets` on SQLite.
    Organizations and contracts are deactivated, never deleted, so no ON DELETE is needed."""
    name = f"fk_tickets_{column}_{target}"
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"ALTER TABLE tickets ADD COLUMN {column} INTEGER CONSTRAINT {name} REFERENCES {target} (id)")
    else:
        op.add_column('tickets', sa.Column(column, sa.Integer(), nullable=True))
        op.create_foreign_key(name, 'tickets', target, [column], ['id'])


def upgrade() -> None:
    _create_organizations()
    _create_contracts()
    for column, target in TICKET_REFERENCES:
        _add_ticket_reference(column, target)
    op.create_index('ix_tickets_organization_updated', 'tickets', ['organization_id', 'updated_at', 'id'], unique=False)
    op.create_index('ix_tickets_contract_updated', 'tickets', ['contract_id', 'updated_at', 'id'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        for column, _target in TICKET_REFERENCES:
            op.execute(f"ALTER TABLE tickets ALTER COLUMN {column} SET STATISTICS {STATISTICS_TARGET}")


def downgrade() -> None:
    op.drop_index('ix_tickets_contract_updated', table_name='tickets')
    op.drop_index('ix_tickets_organization_updated', table_name='tickets')
    # SQLite 3.35+ drops the column in place, its column-level foreign key with it (no rebuild,
    # the FTS triggers stay).
    for column, target in reversed(TICKET_REFERENCES):
        if op.get_bind().dialect.name != "sqlite":
            op.drop_constraint(f"fk_tickets_{column}_{target}", 'tickets', type_='foreignkey')
        op.execute(f"ALTER TABLE tickets DROP COLUMN {column}")
    for table in ('contract_support_managers', 'contract_customer_managers', 'contract_categories', 'contract_groups',
                  'contracts', 'organization_members', 'organization_domains', 'organizations'):
        op.drop_table(table)
