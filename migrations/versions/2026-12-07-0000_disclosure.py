"""disclosure: published months (a snapshot of the figures) and typical cases

Revision ID: f5c3d4e51000
Revises: f7e5f6a71200
Create Date: 2026-12-07 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hotline.kit.db

revision: str = 'f5c3d4e51000'
down_revision: str | None = 'f7e5f6a71200'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f'{target}.id'], name=op.f(f'fk_{table}_{column}_{target}'))


def upgrade() -> None:
    op.create_table(
        'disclosure_month',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ref', sa.String(length=32), nullable=False),
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('period', sa.String(length=7), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('figures', sa.JSON(), nullable=False),
        sa.Column('published_by_id', sa.Integer(), nullable=False),
        sa.Column('published_at', hotline.kit.db.UTCDateTime(), nullable=False),
        sa.Column('withdrawn_by_id', sa.Integer(), nullable=True),
        sa.Column('withdrawn_at', hotline.kit.db.UTCDateTime(), nullable=True),
        sa.Column('withdraw_reason', sa.String(length=500), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        _fk('disclosure_month', 'region_id', 'region'),
        _fk('disclosure_month', 'published_by_id', 'user_account'),
        _fk('disclosure_month', 'withdrawn_by_id', 'user_account'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_disclosure_month')),
        sa.UniqueConstraint('ref', name=op.f('uq_disclosure_month_ref')),
        sa.UniqueConstraint('region_id', 'period', name='uq_disclosure_month_region_period'),
    )
    op.create_index(op.f('ix_disclosure_month_state'), 'disclosure_month', ['state'])
    op.create_table(
        'disclosure_case',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ref', sa.String(length=32), nullable=False),
        sa.Column('work_order_id', sa.Integer(), nullable=False),
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('period', sa.String(length=7), nullable=False),
        sa.Column('category_name', sa.String(length=50), nullable=True),
        sa.Column('area_name', sa.String(length=50), nullable=True),
        sa.Column('title', sa.String(length=100), nullable=False),
        sa.Column('appeal', sa.Text(), nullable=False),
        sa.Column('handling', sa.Text(), nullable=False),
        sa.Column('result', sa.Text(), nullable=False),
        sa.Column('hide_enterprise', sa.Boolean(), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', hotline.kit.db.UTCDateTime(), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=False),
        sa.Column('updated_at', hotline.kit.db.UTCDateTime(), nullable=False),
        sa.Column('submitted_by_id', sa.Integer(), nullable=True),
        sa.Column('submitted_at', hotline.kit.db.UTCDateTime(), nullable=True),
        sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
        sa.Column('reviewed_at', hotline.kit.db.UTCDateTime(), nullable=True),
        sa.Column('review_note', sa.String(length=500), nullable=True),
        sa.Column('published_at', hotline.kit.db.UTCDateTime(), nullable=True),
        sa.Column('withdrawn_by_id', sa.Integer(), nullable=True),
        sa.Column('withdrawn_at', hotline.kit.db.UTCDateTime(), nullable=True),
        sa.Column('withdraw_reason', sa.String(length=500), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        _fk('disclosure_case', 'work_order_id', 'work_order'),
        _fk('disclosure_case', 'region_id', 'region'),
        _fk('disclosure_case', 'created_by_id', 'user_account'),
        _fk('disclosure_case', 'updated_by_id', 'user_account'),
        _fk('disclosure_case', 'submitted_by_id', 'user_account'),
        _fk('disclosure_case', 'reviewed_by_id', 'user_account'),
        _fk('disclosure_case', 'withdrawn_by_id', 'user_account'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_disclosure_case')),
        sa.UniqueConstraint('ref', name=op.f('uq_disclosure_case_ref')),
    )
    op.create_index(op.f('ix_disclosure_case_work_order_id'), 'disclosure_case', ['work_order_id'])
    op.create_index('ix_disclosure_case_state', 'disclosure_case', ['state', 'published_at'])


def downgrade() -> None:
    op.drop_index('ix_disclosure_case_state', table_name='disclosure_case')
    op.drop_index(op.f('ix_disclosure_case_work_order_id'), table_name='disclosure_case')
    op.drop_table('disclosure_case')
    op.drop_index(op.f('ix_disclosure_month_state'), table_name='disclosure_month')
    op.drop_table('disclosure_month')
