"""the outside reference of an appeal (board message id, Open311 request, call id) and its own
time; coordinates on regions and place names, to place an appeal given as a point

Revision ID: 7d2e5b9c4a10
Revises: 5c1e0a4d7b21
Create Date: 2026-12-05 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '7d2e5b9c4a10'
down_revision: str | None = '5c1e0a4d7b21'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'work_order_source',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('work_order_id', sa.Integer(), nullable=False),
        sa.Column('channel_id', sa.Integer(), nullable=False),
        sa.Column('ref', sa.String(length=100), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['channel_id'], ['channel.id'], name=op.f('fk_work_order_source_channel_id_channel')),
        sa.ForeignKeyConstraint(['work_order_id'], ['work_order.id'], ondelete='CASCADE',
                                name=op.f('fk_work_order_source_work_order_id_work_order')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_work_order_source')),
        sa.UniqueConstraint('channel_id', 'ref', name='uq_work_order_source_channel_ref'),
    )
    op.create_index(op.f('ix_work_order_source_work_order_id'), 'work_order_source', ['work_order_id'])
    for table in ('region', 'place_name'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('latitude', sa.Float(), nullable=True))
            batch_op.add_column(sa.Column('longitude', sa.Float(), nullable=True))


def downgrade() -> None:
    for table in ('place_name', 'region'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('longitude')
            batch_op.drop_column('latitude')
    op.drop_index(op.f('ix_work_order_source_work_order_id'), table_name='work_order_source')
    op.drop_table('work_order_source')
