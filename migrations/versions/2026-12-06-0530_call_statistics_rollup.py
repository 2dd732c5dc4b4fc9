"""call statistics: the rollup of calls and wrap-up spells (per hour, per queue-hour, per day), its
cursors, and the indexes that find calls changed since the cursor and repeat callers

Revision ID: 5b7e2c1d0200
Revises: 6d3f9a2e0300
Create Date: 2026-12-06 02:10:36.413906
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '5b7e2c1d0200'
down_revision: str | None = '6d3f9a2e0300'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('cti_rollup_cursor',
    sa.Column('name', sa.String(length=16), nullable=False),
    sa.Column('position', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_cti_rollup_cursor'))
    )
    op.create_table('cti_call_hour',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('grain', sa.String(length=16), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('hour', sa.DateTime(timezone=True), nullable=False),
    sa.Column('queue_id', sa.Integer(), nullable=True),
    sa.Column('seat_id', sa.Integer(), nullable=True),
    sa.Column('agent_id', sa.Integer(), nullable=True),
    sa.Column('offered', sa.Integer(), nullable=False),
    sa.Column('answered', sa.Integer(), nullable=False),
    sa.Column('abandoned', sa.Integer(), nullable=False),
    sa.Column('abandoned_short', sa.Integer(), nullable=False),
    sa.Column('answered_15s', sa.Integer(), nullable=False),
    sa.Column('wait_sum', sa.Float(), nullable=False),
    sa.Column('talked', sa.Integer(), nullable=False),
    sa.Column('talk_sum', sa.Float(), nullable=False),
    sa.Column('transfers', sa.Integer(), nullable=False),
    sa.Column('three_way', sa.Integer(), nullable=False),
    sa.Column('enterprise', sa.Integer(), nullable=False),
    sa.Column('ordered', sa.Integer(), nullable=False),
    sa.Column('repeat', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['user_account.id'], name=op.f('fk_cti_call_hour_agent_id_user_account')),
    sa.ForeignKeyConstraint(['queue_id'], ['cti_queue.id'], name=op.f('fk_cti_call_hour_queue_id_cti_queue')),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_cti_call_hour_region_id_region')),
    sa.ForeignKeyConstraint(['seat_id'], ['seat.id'], name=op.f('fk_cti_call_hour_seat_id_seat')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cti_call_hour'))
    )
    with op.batch_alter_table('cti_call_hour', schema=None) as batch_op:
        batch_op.create_index('ix_cti_call_hour_grain_region_hour', ['grain', 'region_id', 'hour'], unique=False)

    op.create_table('cti_wrap_hour',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('grain', sa.String(length=16), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('hour', sa.DateTime(timezone=True), nullable=False),
    sa.Column('seat_id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=True),
    sa.Column('spells', sa.Integer(), nullable=False),
    sa.Column('wrap_sum', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['user_account.id'], name=op.f('fk_cti_wrap_hour_agent_id_user_account')),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_cti_wrap_hour_region_id_region')),
    sa.ForeignKeyConstraint(['seat_id'], ['seat.id'], name=op.f('fk_cti_wrap_hour_seat_id_seat')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cti_wrap_hour'))
    )
    with op.batch_alter_table('cti_wrap_hour', schema=None) as batch_op:
        batch_op.create_index('ix_cti_wrap_hour_grain_region_hour', ['grain', 'region_id', 'hour'], unique=False)

    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.create_index('ix_call_caller_region_offered', ['caller_hash', 'region_id', 'offered_at'], unique=False)
        batch_op.create_index('ix_call_updated_at', ['updated_at'], unique=False)

    with op.batch_alter_table('call_order', schema=None) as batch_op:
        batch_op.create_index('ix_call_order_created_at', ['created_at'], unique=False)

    with op.batch_alter_table('seat_state', schema=None) as batch_op:
        batch_op.create_index('ix_seat_state_ended_at', ['ended_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('seat_state', schema=None) as batch_op:
        batch_op.drop_index('ix_seat_state_ended_at')

    with op.batch_alter_table('call_order', schema=None) as batch_op:
        batch_op.drop_index('ix_call_order_created_at')

    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.drop_index('ix_call_updated_at')
        batch_op.drop_index('ix_call_caller_region_offered')

    with op.batch_alter_table('cti_wrap_hour', schema=None) as batch_op:
        batch_op.drop_index('ix_cti_wrap_hour_grain_region_hour')

    op.drop_table('cti_wrap_hour')
    with op.batch_alter_table('cti_call_hour', schema=None) as batch_op:
        batch_op.drop_index('ix_cti_call_hour_grain_region_hour')

    op.drop_table('cti_call_hour')
    op.drop_table('cti_rollup_cursor')
