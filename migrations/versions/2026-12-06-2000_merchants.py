"""merchants: the service-merchant register, referrals with ratings, complaints, status changes
and adjustment proposals

Revision ID: b7d1e4a90300
Revises: d2a9f6c10500
Create Date: 2026-12-06 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hotline.kit.db

revision: str = 'b7d1e4a90300'
down_revision: str | None = 'd2a9f6c10500'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f'{target}.id'], name=op.f(f'fk_{table}_{column}_{target}'))


def upgrade() -> None:
    op.create_table(
        'merchant',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ref', sa.String(length=32), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('uscc', sa.String(length=18), nullable=False),
        sa.Column('service_types', sa.JSON(), nullable=False),
        sa.Column('area_codes', sa.JSON(), nullable=False),
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('business_phone', sa.String(length=20), nullable=False),
        sa.Column('address', sa.String(length=200), nullable=True),
        sa.Column('description', sa.String(length=500), nullable=True),
        sa.Column('contact_name', hotline.kit.db.EncryptedString(length=300), nullable=False),
        sa.Column('contact_phone', hotline.kit.db.EncryptedString(length=200), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('status_reason', sa.String(length=500), nullable=True),
        sa.Column('status_changed_at', hotline.kit.db.UTCDateTime(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', hotline.kit.db.UTCDateTime(), nullable=False),
        sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
        sa.Column('reviewed_at', hotline.kit.db.UTCDateTime(), nullable=True),
        sa.Column('updated_at', hotline.kit.db.UTCDateTime(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        _fk('merchant', 'region_id', 'region'),
        _fk('merchant', 'created_by_id', 'user_account'),
        _fk('merchant', 'reviewed_by_id', 'user_account'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_merchant')),
        sa.UniqueConstraint('ref', name=op.f('uq_merchant_ref')),
        sa.UniqueConstraint('uscc', name=op.f('uq_merchant_uscc')),
    )
    op.create_index(op.f('ix_merchant_region_id'), 'merchant', ['region_id'])
    op.create_index(op.f('ix_merchant_status'), 'merchant', ['status'])
    op.create_table(
        'merchant_referral',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ref', sa.String(length=32), nullable=False),
        sa.Column('merchant_id', sa.Integer(), nullable=False),
        sa.Column('work_order_id', sa.Integer(), nullable=False),
        sa.Column('service_type', sa.String(length=32), nullable=False),
        sa.Column('note', sa.String(length=200), nullable=True),
        sa.Column('referred_by_id', sa.Integer(), nullable=False),
        sa.Column('referred_at', hotline.kit.db.UTCDateTime(), nullable=False),
        sa.Column('verdict', sa.String(length=24), nullable=True),
        sa.Column('response_hours', sa.Integer(), nullable=True),
        sa.Column('rating_note', sa.String(length=200), nullable=True),
        sa.Column('rated_by_id', sa.Integer(), nullable=True),
        sa.Column('rated_at', hotline.kit.db.UTCDateTime(), nullable=True),
        _fk('merchant_referral', 'merchant_id', 'merchant'),
        _fk('merchant_referral', 'work_order_id', 'work_order'),
        _fk('merchant_referral', 'referred_by_id', 'user_account'),
        _fk('merchant_referral', 'rated_by_id', 'user_account'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_merchant_referral')),
        sa.UniqueConstraint('ref', name=op.f('uq_merchant_referral_ref')),
        sa.UniqueConstraint('work_order_id', 'merchant_id', name='uq_merchant_referral_order'),
    )
    op.create_index(op.f('ix_merchant_referral_work_order_id'), 'merchant_referral', ['work_order_id'])
    op.create_index('ix_merchant_referral_merchant', 'merchant_referral', ['merchant_id', 'referred_at'])
    op.create_table(
        'merchant_complaint',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ref', sa.String(length=32), nullable=False),
        sa.Column('merchant_id', sa.Integer(), nullable=False),
        sa.Column('work_order_id', sa.Integer(), nullable=False),
        sa.Column('note', sa.String(length=200), nullable=True),
        sa.Column('marked_by_id', sa.Integer(), nullable=False),
        sa.Column('marked_at', hotline.kit.db.UTCDateTime(), nullable=False),
        _fk('merchant_complaint', 'merchant_id', 'merchant'),
        _fk('merchant_complaint', 'work_order_id', 'work_order'),
        _fk('merchant_complaint', 'marked_by_id', 'user_account'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_merchant_complaint')),
        sa.UniqueConstraint('ref', name=op.f('uq_merchant_complaint_ref')),
        sa.UniqueConstraint('work_order_id', 'merchant_id', name='uq_merchant_complaint_order'),
    )
    op.create_index(op.f('ix_merchant_complaint_work_order_id'), 'merchant_complaint', ['work_order_id'])
    op.create_index('ix_merchant_complaint_merchant', 'merchant_complaint', ['merchant_id', 'marked_at'])
    op.create_table(
        'merchant_proposal',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ref', sa.String(length=32), nullable=False),
        sa.Column('merchant_id', sa.Integer(), nullable=False),
        sa.Column('action', sa.String(length=16), nullable=False),
        sa.Column('reason', sa.String(length=500), nullable=False),
        sa.Column('figures', sa.JSON(), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('raised_at', hotline.kit.db.UTCDateTime(), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', hotline.kit.db.UTCDateTime(), nullable=True),
        sa.Column('decision_note', sa.String(length=500), nullable=True),
        _fk('merchant_proposal', 'merchant_id', 'merchant'),
        _fk('merchant_proposal', 'decided_by_id', 'user_account'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_merchant_proposal')),
        sa.UniqueConstraint('ref', name=op.f('uq_merchant_proposal_ref')),
    )
    op.create_index(op.f('ix_merchant_proposal_merchant_id'), 'merchant_proposal', ['merchant_id'])
    op.create_table(
        'merchant_status_change',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('merchant_id', sa.Integer(), nullable=False),
        sa.Column('action', sa.String(length=16), nullable=False),
        sa.Column('from_status', sa.String(length=16), nullable=False),
        sa.Column('to_status', sa.String(length=16), nullable=False),
        sa.Column('reason', sa.String(length=500), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=False),
        sa.Column('at', hotline.kit.db.UTCDateTime(), nullable=False),
        sa.Column('proposal_id', sa.Integer(), nullable=True),
        _fk('merchant_status_change', 'merchant_id', 'merchant'),
        _fk('merchant_status_change', 'decided_by_id', 'user_account'),
        _fk('merchant_status_change', 'proposal_id', 'merchant_proposal'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_merchant_status_change')),
    )
    op.create_index(op.f('ix_merchant_status_change_merchant_id'), 'merchant_status_change', ['merchant_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_merchant_status_change_merchant_id'), table_name='merchant_status_change')
    op.drop_table('merchant_status_change')
    op.drop_index(op.f('ix_merchant_proposal_merchant_id'), table_name='merchant_proposal')
    op.drop_table('merchant_proposal')
    op.drop_index('ix_merchant_complaint_merchant', table_name='merchant_complaint')
    op.drop_index(op.f('ix_merchant_complaint_work_order_id'), table_name='merchant_complaint')
    op.drop_table('merchant_complaint')
    op.drop_index('ix_merchant_referral_merchant', table_name='merchant_referral')
    op.drop_index(op.f('ix_merchant_referral_work_order_id'), table_name='merchant_referral')
    op.drop_table('merchant_referral')
    op.drop_index(op.f('ix_merchant_status'), table_name='merchant')
    op.drop_index(op.f('ix_merchant_region_id'), table_name='merchant')
    op.drop_table('merchant')
