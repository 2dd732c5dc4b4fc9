"""reports: drafted, edited and issued analysis reports (monthly, half-year, campaign, special
report, daily ledger) with the issued .docx and .xlsx

Revision ID: f4b2c3d40900
Revises: f5c3d4e51000
Create Date: 2026-12-07 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hotline.kit.db

revision: str = 'f4b2c3d40900'
down_revision: str | None = 'f5c3d4e51000'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f'{target}.id'], name=op.f(f'fk_{table}_{column}_{target}'))


def upgrade() -> None:
    op.create_table(
        'report',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ref', sa.String(length=32), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('period_key', sa.String(length=32), nullable=False),
        sa.Column('period_start', sa.Date(), nullable=False),
        sa.Column('period_end', sa.Date(), nullable=False),
        sa.Column('source', sa.String(length=40), nullable=True),
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=100), nullable=False),
        sa.Column('content', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('auto_key', sa.String(length=80), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', hotline.kit.db.UTCDateTime(), nullable=False),
        sa.Column('updated_at', hotline.kit.db.UTCDateTime(), nullable=False),
        sa.Column('issued_by_id', sa.Integer(), nullable=True),
        sa.Column('issued_at', hotline.kit.db.UTCDateTime(), nullable=True),
        sa.Column('docx', sa.LargeBinary(), nullable=True),
        sa.Column('xlsx', sa.LargeBinary(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        _fk('report', 'region_id', 'region'),
        _fk('report', 'created_by_id', 'user_account'),
        _fk('report', 'issued_by_id', 'user_account'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report')),
        sa.UniqueConstraint('ref', name=op.f('uq_report_ref')),
        sa.UniqueConstraint('auto_key', name=op.f('uq_report_auto_key')),
    )
    op.create_index('ix_report_region_status', 'report', ['region_id', 'status', 'created_at'])


def downgrade() -> None:
    op.drop_index('ix_report_region_status', table_name='report')
    op.drop_table('report')
