"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 11:07:50.809147
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.models.base

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_groups')),
    sa.UniqueConstraint('name', name=op.f('uq_groups_name'))
    )
    op.create_table('mailboxes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('host', sa.String(length=255), nullable=False),
    sa.Column('port', sa.Integer(), nullable=False),
    sa.Column('security', sa.Enum('tls', 'starttls', 'plain', name='mailbox_security', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('username', sa.String(length=320), nullable=False),
    sa.Column('password', sa.String(length=500), nullable=False),
    sa.Column('folder', sa.String(length=255), nullable=False),
    sa.Column('move_to', sa.String(length=255), nullable=True),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('uidvalidity', sa.Integer(), nullable=True),
    sa.Column('last_uid', sa.Integer(), nullable=False),
    sa.Column('last_polled_at', core.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mailboxes')),
    sa.UniqueConstraint('name', name=op.f('uq_mailboxes_name'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.Enum('admin', 'agent', 'client', name='user_role', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('department', sa.String(length=200), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('undeliverable', sa.Boolean(), nullable=False),
    sa.Column('created_at', core.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    op.create_table('categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_categories_group_id_groups'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_categories')),
    sa.UniqueConstraint('group_id', 'name', name=op.f('uq_categories_group_id_name'))
    )
    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_categories_group_id'), ['group_id'], unique=False)

    op.create_table('group_members',
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_group_members_group_id_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_group_members_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('group_id', 'user_id', name=op.f('pk_group_members'))
    )
    op.create_table('recipient_routes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('address', sa.String(length=320), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_recipient_routes_category_id_categories'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_recipient_routes_group_id_groups'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recipient_routes')),
    sa.UniqueConstraint('address', name=op.f('uq_recipient_routes_address'))
    )
    op.create_table('subcategories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_subcategories_category_id_categories'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subcategories')),
    sa.UniqueConstraint('category_id', 'name', name=op.f('uq_subcategories_category_id_name'))
    )
    with op.batch_alter_table('subcategories', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subcategories_category_id'), ['category_id'], unique=False)

    op.create_table('tickets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('requester_id', sa.Integer(), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('subcategory_id', sa.Integer(), nullable=True),
    sa.Column('priority', sa.Enum('low', 'medium', 'high', 'urgent', name='ticket_priority', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('status', sa.Enum('new', 'assigned', 'in_progress', 'waiting_on_customer', 'resolved', 'closed', name='ticket_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('source', sa.Enum('email', 'web', 'api', name='ticket_source', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('created_at', core.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', core.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('first_response_at', core.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', core.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', core.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_tickets_assignee_id_users')),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_tickets_category_id_categories')),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_tickets_group_id_groups')),
    sa.ForeignKeyConstraint(['requester_id'], ['users.id'], name=op.f('fk_tickets_requester_id_users')),
    sa.ForeignKeyConstraint(['subcategory_id'], ['subcategories.id'], name=op.f('fk_tickets_subcategory_id_subcategories')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tickets'))
    )
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.create_index('ix_tickets_assignee_status', ['assignee_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_group_id'), ['group_id'], unique=False)
        batch_op.create_index('ix_tickets_requester_updated', ['requester_id', 'updated_at'], unique=False)
        batch_op.create_index('ix_tickets_status_updated', ['status', 'updated_at'], unique=False)

    op.create_table('inbound_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.Enum('smtp', 'lmtp', 'imap', 'pipe', name='inbound_source', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('message_id', sa.String(length=998), nullable=True),
    sa.Column('dedupe_key', sa.String(length=1000), nullable=False),
    sa.Column('raw_sha256', sa.String(length=64), nullable=False),
    sa.Column('raw_size', sa.Integer(), nullable=False),
    sa.Column('envelope_from', sa.String(length=320), nullable=True),
    sa.Column('envelope_to', sa.Text(), nullable=False),
    sa.Column('received_at', core.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('processed_at', core.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.Enum('ticket_created', 'comment_added', 'duplicate', 'auto_reply_ignored', 'bounce', 'loop_dropped', 'rejected', 'quarantined', name='inbound_outcome', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('rule_hits', sa.Text(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_inbound_messages_ticket_id_tickets'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_messages'))
    )
    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inbound_messages_dedupe_key'), ['dedupe_key'], unique=False)
        batch_op.create_index('ix_inbound_messages_outcome_received', ['outcome', 'received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_inbound_messages_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('ticket_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('field', sa.String(length=64), nullable=False),
    sa.Column('old_value', sa.Text(), nullable=True),
    sa.Column('new_value', sa.Text(), nullable=True),
    sa.Column('created_at', core.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_ticket_events_actor_id_users')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_events_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_events'))
    )
    with op.batch_alter_table('ticket_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_events_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('ticket_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('other_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('follow_up', 'related', 'merged_into', name='ticket_link_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('created_at', core.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['other_id'], ['tickets.id'], name=op.f('fk_ticket_links_other_id_tickets'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_links_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_links'))
    )
    with op.batch_alter_table('ticket_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_links_other_id'), ['other_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_links_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('ticket_watchers',
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_watchers_ticket_id_tickets'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_ticket_watchers_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ticket_id', 'user_id', name=op.f('pk_ticket_watchers'))
    )
    with op.batch_alter_table('ticket_watchers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_watchers_user_id'), ['user_id'], unique=False)

    op.create_table('ingested_keys',
    sa.Column('key', sa.String(length=1000), nullable=False),
    sa.Column('inbound_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['inbound_id'], ['inbound_messages.id'], name=op.f('fk_ingested_keys_inbound_id_inbound_messages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_ingested_keys'))
    )
    op.create_table('messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('email_in', 'email_out', 'web', 'note', 'system', name='message_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('full_text', sa.Text(), nullable=False),
    sa.Column('html', sa.Text(), nullable=True),
    sa.Column('message_id', sa.String(length=998), nullable=True),
    sa.Column('inbound_id', sa.Integer(), nullable=True),
    sa.Column('created_at', core.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_messages_author_id_users')),
    sa.ForeignKeyConstraint(['inbound_id'], ['inbound_messages.id'], name=op.f('fk_messages_inbound_id_inbound_messages')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_messages_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_messages'))
    )
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_messages_message_id'), ['message_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_messages_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=500), nullable=False),
    sa.Column('content_type', sa.String(length=200), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content_id', sa.String(length=500), nullable=True),
    sa.Column('inline', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], name=op.f('fk_attachments_message_id_messages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachments'))
    )
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachments_message_id'), ['message_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attachments_sha256'), ['sha256'], unique=False)

    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('source_message_id', sa.Integer(), nullable=True),
    sa.Column('template', sa.String(length=64), nullable=False),
    sa.Column('recipients', sa.Text(), nullable=False),
    sa.Column('subject', sa.String(length=998), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=True),
    sa.Column('message_id', sa.String(length=998), nullable=False),
    sa.Column('in_reply_to', sa.String(length=998), nullable=True),
    sa.Column('references', sa.Text(), nullable=False),
    sa.Column('automatic', sa.Boolean(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'sent', 'failed', name='outbox_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', core.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('created_at', core.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', core.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['source_message_id'], ['messages.id'], name=op.f('fk_outbox_source_message_id_messages'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_outbox_ticket_id_tickets'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    sa.UniqueConstraint('message_id', name=op.f('uq_outbox_message_id'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_status_next_attempt', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_ticket_id'), ['ticket_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_ticket_id'))
        batch_op.drop_index('ix_outbox_status_next_attempt')

    op.drop_table('outbox')
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachments_sha256'))
        batch_op.drop_index(batch_op.f('ix_attachments_message_id'))

    op.drop_table('attachments')
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_messages_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_messages_message_id'))

    op.drop_table('messages')
    op.drop_table('ingested_keys')
    with op.batch_alter_table('ticket_watchers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_watchers_user_id'))

    op.drop_table('ticket_watchers')
    with op.batch_alter_table('ticket_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_links_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_ticket_links_other_id'))

    op.drop_table('ticket_links')
    with op.batch_alter_table('ticket_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_events_ticket_id'))

    op.drop_table('ticket_events')
    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbound_messages_ticket_id'))
        batch_op.drop_index('ix_inbound_messages_outcome_received')
        batch_op.drop_index(batch_op.f('ix_inbound_messages_dedupe_key'))

    op.drop_table('inbound_messages')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_tickets_status_updated')
        batch_op.drop_index('ix_tickets_requester_updated')
        batch_op.drop_index(batch_op.f('ix_tickets_group_id'))
        batch_op.drop_index(batch_op.f('ix_tickets_created_at'))
        batch_op.drop_index(batch_op.f('ix_tickets_category_id'))
        batch_op.drop_index('ix_tickets_assignee_status')

    op.drop_table('tickets')
    with op.batch_alter_table('subcategories', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subcategories_category_id'))

    op.drop_table('subcategories')
    op.drop_table('recipient_routes')
    op.drop_table('group_members')
    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_categories_group_id'))

    op.drop_table('categories')
    op.drop_table('users')
    op.drop_table('mailboxes')
    op.drop_table('groups')
