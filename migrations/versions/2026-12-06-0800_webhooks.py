"""webhooks: push subscriptions, their deliveries (the outbox of the push) and the allow-list

Revision ID: d2a9f6c10500
Revises: 3e7b2a9c0200
Create Date: 2026-12-06 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hotline.kit.db

revision: str = 'd2a9f6c10500'
down_revision: str | None = '3e7b2a9c0200'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'webhook_allowed_target',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ref', sa.String(length=32), nullable=False),
        sa.Column('pattern', sa.String(length=253), nullable=False),
        sa.Column('allow_http', sa.Boolean(), nullable=False),
        sa.Column('note', sa.String(length=200), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', hotline.kit.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'],
                                name=op.f('fk_webhook_allowed_target_created_by_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_allowed_target')),
        sa.UniqueConstraint('pattern', name=op.f('uq_webhook_allowed_target_pattern')),
        sa.UniqueConstraint('ref', name=op.f('uq_webhook_allowed_target_ref')),
    )
    op.create_table(
        'webhook_subscription',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ref', sa.String(length=32), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=False),
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('url', sa.String(length=500), nullable=False),
        sa.Column('event_types', sa.JSON(), nullable=False),
        sa.Column('region_codes', sa.JSON(), nullable=False),
        sa.Column('category_codes', sa.JSON(), nullable=False),
        sa.Column('secret', hotline.kit.db.EncryptedString(length=300), nullable=False),
        sa.Column('algorithm', sa.String(length=16), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('paused_reason', sa.String(length=200), nullable=True),
        sa.Column('paused_at', hotline.kit.db.UTCDateTime(), nullable=True),
        sa.Column('failure_streak', sa.Integer(), nullable=False),
        sa.Column('failing_since', hotline.kit.db.UTCDateTime(), nullable=True),
        sa.Column('cursor', sa.BigInteger(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', hotline.kit.db.UTCDateTime(), nullable=False),
        sa.Column('updated_at', hotline.kit.db.UTCDateTime(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['owner_id'], ['user_account.id'],
                                name=op.f('fk_webhook_subscription_owner_id_user_account')),
        sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_webhook_subscription_region_id_region')),
        sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'],
                                name=op.f('fk_webhook_subscription_created_by_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_subscription')),
        sa.UniqueConstraint('ref', name=op.f('uq_webhook_subscription_ref')),
    )
    op.create_index(op.f('ix_webhook_subscription_owner_id'), 'webhook_subscription', ['owner_id'])
    op.create_index(op.f('ix_webhook_subscription_region_id'), 'webhook_subscription', ['region_id'])
    op.create_table(
        'webhook_delivery',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('ref', sa.String(length=32), nullable=False),
        sa.Column('subscription_id', sa.Integer(), nullable=False),
        sa.Column('seq', sa.BigInteger(), nullable=False),
        sa.Column('event_id', sa.String(length=40), nullable=False),
        sa.Column('event_type', sa.String(length=40), nullable=False),
        sa.Column('occurred_at', hotline.kit.db.UTCDateTime(), nullable=False),
        sa.Column('payload', hotline.kit.db.EncryptedString(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', hotline.kit.db.UTCDateTime(), nullable=True),
        sa.Column('last_status_code', sa.Integer(), nullable=True),
        sa.Column('last_error', sa.String(length=300), nullable=True),
        sa.Column('last_latency_ms', sa.Integer(), nullable=True),
        sa.Column('replays', sa.Integer(), nullable=False),
        sa.Column('created_at', hotline.kit.db.UTCDateTime(), nullable=False),
        sa.Column('queued_at', hotline.kit.db.UTCDateTime(), nullable=False),
        sa.Column('last_attempt_at', hotline.kit.db.UTCDateTime(), nullable=True),
        sa.Column('delivered_at', hotline.kit.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['subscription_id'], ['webhook_subscription.id'],
                                name=op.f('fk_webhook_delivery_subscription_id_webhook_subscription')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_delivery')),
        sa.UniqueConstraint('ref', name=op.f('uq_webhook_delivery_ref')),
        sa.UniqueConstraint('subscription_id', 'seq', name='uq_webhook_delivery_event'),
    )
    op.create_index('ix_webhook_delivery_due', 'webhook_delivery', ['status', 'next_attempt_at'])
    op.create_index('ix_webhook_delivery_log', 'webhook_delivery', ['subscription_id', 'created_at'])


def downgrade() -> None:
    op.drop_index('ix_webhook_delivery_log', table_name='webhook_delivery')
    op.drop_index('ix_webhook_delivery_due', table_name='webhook_delivery')
    op.drop_table('webhook_delivery')
    op.drop_index(op.f('ix_webhook_subscription_region_id'), table_name='webhook_subscription')
    op.drop_index(op.f('ix_webhook_subscription_owner_id'), table_name='webhook_subscription')
    op.drop_table('webhook_subscription')
    op.drop_table('webhook_allowed_target')
