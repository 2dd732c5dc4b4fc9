"""agents' figures from the call rollup: the rollup keeps the order links of the answered calls
(``order_links``), and the calls' (region, offered) index also holds ``answered_at`` so the calls
answered across a period's bounds are found in the index alone. The calls cursor is dropped: the
next rollup rebuilds every hour (filling ``order_links``). The work-order queries of the agents'
figures get their indexes: orders by registering account and time, callbacks by agent and time,
audit events by action and time.

Revision ID: 9e4a7c2b0600
Revises: 5b7e2c1d0200
Create Date: 2026-12-06 04:15:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '9e4a7c2b0600'
down_revision: str | None = '5b7e2c1d0200'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('cti_call_hour', schema=None) as batch_op:
        batch_op.add_column(sa.Column('order_links', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.drop_index('ix_call_region_offered')
        batch_op.create_index('ix_call_region_offered_answered', ['region_id', 'offered_at', 'answered_at'],
                              unique=False)
    op.execute("DELETE FROM cti_rollup_cursor WHERE name = 'calls'")
    op.create_index('ix_work_order_created_by_registered', 'work_order', ['created_by_id', 'registered_at'],
                    unique=False)
    op.create_index('ix_work_order_callback_agent_at', 'work_order_callback', ['agent_id', 'at'], unique=False)
    op.create_index('ix_audit_event_action_at', 'audit_event', ['action', 'at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_audit_event_action_at', table_name='audit_event')
    op.drop_index('ix_work_order_callback_agent_at', table_name='work_order_callback')
    op.drop_index('ix_work_order_created_by_registered', table_name='work_order')
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.drop_index('ix_call_region_offered_answered')
        batch_op.create_index('ix_call_region_offered', ['region_id', 'offered_at'], unique=False)
    with op.batch_alter_table('cti_call_hour', schema=None) as batch_op:
        batch_op.drop_column('order_links')
    op.execute("DELETE FROM cti_rollup_cursor WHERE name = 'calls'")
