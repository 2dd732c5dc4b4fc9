"""linkage: the register of emergency and utility lines, and linkage records on work orders

Revision ID: c3f5a8d20400
Revises: b7d1e4a90300
Create Date: 2026-12-06 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hotline.kit.db

revision: str = 'c3f5a8d20400'
down_revision: str | None = 'b7d1e4a90300'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'linkage_line',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ref', sa.String(length=32), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('number', sa.String(length=20), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('service', sa.String(length=16), nullable=False),
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=True),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', hotline.kit.db.UTCDateTime(), nullable=False),
        sa.Column('updated_at', hotline.kit.db.UTCDateTime(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_linkage_line_region_id_region')),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_linkage_line_unit_id_unit')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_linkage_line')),
        sa.UniqueConstraint('ref', name=op.f('uq_linkage_line_ref')),
    )
    op.create_index(op.f('ix_linkage_line_region_id'), 'linkage_line', ['region_id'], unique=False)
    op.create_table(
        'linkage_record',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ref', sa.String(length=32), nullable=False),
        sa.Column('work_order_id', sa.Integer(), nullable=False),
        sa.Column('line_id', sa.Integer(), nullable=False),
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('scope', sa.String(length=16), nullable=False),
        sa.Column('call_id', sa.Integer(), nullable=True),
        sa.Column('call_mode', sa.String(length=16), nullable=True),
        sa.Column('other_ref', sa.String(length=50), nullable=True),
        sa.Column('note', sa.String(length=500), nullable=True),
        sa.Column('operator_id', sa.Integer(), nullable=True),
        sa.Column('transferred_at', hotline.kit.db.UTCDateTime(), nullable=False),
        sa.Column('seconds_to_transfer', sa.Float(), nullable=False),
        sa.Column('outcome', sa.String(length=16), nullable=False),
        sa.Column('outcome_note', sa.String(length=500), nullable=True),
        sa.Column('outcome_at', hotline.kit.db.UTCDateTime(), nullable=True),
        sa.Column('outcome_by_id', sa.Integer(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['call_id'], ['call.id'], name=op.f('fk_linkage_record_call_id_call'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['line_id'], ['linkage_line.id'], name=op.f('fk_linkage_record_line_id_linkage_line')),
        sa.ForeignKeyConstraint(['operator_id'], ['user_account.id'],
                                name=op.f('fk_linkage_record_operator_id_user_account')),
        sa.ForeignKeyConstraint(['outcome_by_id'], ['user_account.id'],
                                name=op.f('fk_linkage_record_outcome_by_id_user_account')),
        sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_linkage_record_region_id_region')),
        sa.ForeignKeyConstraint(['work_order_id'], ['work_order.id'],
                                name=op.f('fk_linkage_record_work_order_id_work_order'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_linkage_record')),
        sa.UniqueConstraint('ref', name=op.f('uq_linkage_record_ref')),
    )
    op.create_index(op.f('ix_linkage_record_line_id'), 'linkage_record', ['line_id'], unique=False)
    op.create_index(op.f('ix_linkage_record_work_order_id'), 'linkage_record', ['work_order_id'], unique=False)
    op.create_index('ix_linkage_record_region_at', 'linkage_record', ['region_id', 'transferred_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_linkage_record_region_at', table_name='linkage_record')
    op.drop_index(op.f('ix_linkage_record_work_order_id'), table_name='linkage_record')
    op.drop_index(op.f('ix_linkage_record_line_id'), table_name='linkage_record')
    op.drop_table('linkage_record')
    op.drop_index(op.f('ix_linkage_line_region_id'), table_name='linkage_line')
    op.drop_table('linkage_line')
