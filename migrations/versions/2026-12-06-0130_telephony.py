"""telephony: call queues, seats and their agents' states, calls, their events and the orders
they produced

Revision ID: 9cfc71524143
Revises: c3e9f1a21800
Create Date: 2026-12-06 01:22:18.188904
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '9cfc71524143'
down_revision: str | None = 'c3e9f1a21800'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('cti_queue',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cti_queue')),
    sa.UniqueConstraint('name', name=op.f('uq_cti_queue_name'))
    )
    op.create_table('seat',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=32), nullable=False),
    sa.Column('code', sa.String(length=50), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('operator', sa.String(length=100), nullable=True),
    sa.Column('agent_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('state_since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['user_account.id'], name=op.f('fk_seat_agent_id_user_account')),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_seat_region_id_region')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_seat_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_seat')),
    sa.UniqueConstraint('code', name=op.f('uq_seat_code')),
    sa.UniqueConstraint('ref', name=op.f('uq_seat_ref'))
    )
    with op.batch_alter_table('seat', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_seat_agent_id'), ['agent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_seat_region_id'), ['region_id'], unique=False)

    op.create_table('call',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=32), nullable=False),
    sa.Column('call_id', sa.String(length=100), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('caller', sa.String(length=200), nullable=True),
    sa.Column('caller_hash', sa.String(length=64), nullable=True),
    sa.Column('called', sa.String(length=50), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('offered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('queued_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('end_reason', sa.String(length=16), nullable=True),
    sa.Column('ivr_digits', sa.String(length=50), nullable=True),
    sa.Column('queue_id', sa.Integer(), nullable=True),
    sa.Column('seat_id', sa.Integer(), nullable=True),
    sa.Column('agent_id', sa.Integer(), nullable=True),
    sa.Column('enterprise', sa.Boolean(), nullable=False),
    sa.Column('transfers', sa.Integer(), nullable=False),
    sa.Column('three_way', sa.Integer(), nullable=False),
    sa.Column('wait_s', sa.Float(), nullable=True),
    sa.Column('talk_s', sa.Float(), nullable=True),
    sa.Column('recording_url', sa.String(length=500), nullable=True),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.Column('last_event_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['user_account.id'], name=op.f('fk_call_agent_id_user_account')),
    sa.ForeignKeyConstraint(['queue_id'], ['cti_queue.id'], name=op.f('fk_call_queue_id_cti_queue')),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_call_region_id_region')),
    sa.ForeignKeyConstraint(['seat_id'], ['seat.id'], name=op.f('fk_call_seat_id_seat')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call')),
    sa.UniqueConstraint('call_id', name=op.f('uq_call_call_id')),
    sa.UniqueConstraint('ref', name=op.f('uq_call_ref'))
    )
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_call_agent_id'), ['agent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_call_caller_hash'), ['caller_hash'], unique=False)
        batch_op.create_index('ix_call_region_offered', ['region_id', 'offered_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_call_seat_id'), ['seat_id'], unique=False)

    op.create_table('seat_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seat_id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['agent_id'], ['user_account.id'], name=op.f('fk_seat_state_agent_id_user_account')),
    sa.ForeignKeyConstraint(['seat_id'], ['seat.id'], name=op.f('fk_seat_state_seat_id_seat')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_seat_state'))
    )
    with op.batch_alter_table('seat_state', schema=None) as batch_op:
        batch_op.create_index('ix_seat_state_agent_started', ['agent_id', 'started_at'], unique=False)
        batch_op.create_index('ix_seat_state_seat_started', ['seat_id', 'started_at'], unique=False)

    op.create_table('call_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('type', sa.String(length=16), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['call.id'], name=op.f('fk_call_event_call_id_call'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call_event')),
    sa.UniqueConstraint('call_id', 'seq', name='uq_call_event_call_seq')
    )
    op.create_table('call_order',
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['call.id'], name=op.f('fk_call_order_call_id_call'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['order_id'], ['work_order.id'], name=op.f('fk_call_order_order_id_work_order'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('call_id', 'order_id', name=op.f('pk_call_order'))
    )
    with op.batch_alter_table('call_order', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_call_order_order_id'), ['order_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('call_order', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_call_order_order_id'))

    op.drop_table('call_order')
    op.drop_table('call_event')
    with op.batch_alter_table('seat_state', schema=None) as batch_op:
        batch_op.drop_index('ix_seat_state_seat_started')
        batch_op.drop_index('ix_seat_state_agent_started')

    op.drop_table('seat_state')
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_call_seat_id'))
        batch_op.drop_index('ix_call_region_offered')
        batch_op.drop_index(batch_op.f('ix_call_caller_hash'))
        batch_op.drop_index(batch_op.f('ix_call_agent_id'))

    op.drop_table('call')
    with op.batch_alter_table('seat', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_seat_region_id'))
        batch_op.drop_index(batch_op.f('ix_seat_agent_id'))

    op.drop_table('seat')
    op.drop_table('cti_queue')
