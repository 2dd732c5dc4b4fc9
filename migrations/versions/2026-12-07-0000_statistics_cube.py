"""statistics: the cube of daily and monthly counts per area, enterprise and dimension value;
category × county pairs

Revision ID: f2a8c1d60800
Revises: e8b2c4f60700
Create Date: 2026-12-07 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'f2a8c1d60800'
down_revision: str | None = 'e8b2c4f60700'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTS = ('received', 'answered_on_spot', 'dispatched', 'handled', 'on_time', 'overdue', 'returned', 'rehandled',
          'rated', 'satisfied', 'merged', 'enterprise', 'dispatch_timed')


def upgrade() -> None:
    op.create_table('stat_cell',
    sa.Column('grain', sa.String(length=1), nullable=False),
    sa.Column('dim', sa.String(length=1), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('bucket', sa.Date(), nullable=False),
    sa.Column('is_enterprise', sa.Boolean(), nullable=False),
    sa.Column('placed', sa.Boolean(), nullable=False),
    sa.Column('key', sa.String(length=32), nullable=False),
    *[sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS],
    sa.Column('dispatch_seconds', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('grain', 'dim', 'area_id', 'bucket', 'is_enterprise', 'placed', 'key',
                            name=op.f('pk_stat_cell'))
    )
    op.create_table('stat_pair',
    sa.Column('grain', sa.String(length=1), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('bucket', sa.Date(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('is_enterprise', sa.Boolean(), nullable=False),
    *[sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS],
    sa.Column('dispatch_seconds', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('grain', 'area_id', 'category_id', 'bucket', 'region_id', 'is_enterprise',
                            name=op.f('pk_stat_pair'))
    )
    # the sector viewers' and category filters' reads of the orders: a few categories over a period
    op.create_index('ix_work_order_category_registered', 'work_order', ['category_id', 'registered_at'])
    # a unit's orders (its statistics) from the index alone
    op.drop_index('ix_work_order_assignment_inbox', table_name='work_order_assignment')
    op.create_index('ix_work_order_assignment_inbox', 'work_order_assignment', ['unit_id', 'state', 'work_order_id'])


def downgrade() -> None:
    op.drop_index('ix_work_order_assignment_inbox', table_name='work_order_assignment')
    op.create_index('ix_work_order_assignment_inbox', 'work_order_assignment', ['unit_id', 'state'])
    op.drop_index('ix_work_order_category_registered', table_name='work_order')
    op.drop_table('stat_pair')
    op.drop_table('stat_cell')
