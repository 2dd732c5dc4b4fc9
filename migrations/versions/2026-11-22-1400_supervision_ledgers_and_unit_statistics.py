"""supervision ledgers and unit statistics

Revision ID: 09144f5d4584
Revises: 5d1f0c2a7e41
Create Date: 2026-11-22 08:20:58
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '09144f5d4584'
down_revision: str | None = '5d1f0c2a7e41'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table('projection_cursor',
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('last_seq', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_projection_cursor'))
    )
    op.create_table('unit_day_stats',
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('assigned', sa.Integer(), nullable=False),
    sa.Column('signed', sa.Integer(), nullable=False),
    sa.Column('signed_on_time', sa.Integer(), nullable=False),
    sa.Column('replied', sa.Integer(), nullable=False),
    sa.Column('replied_on_time', sa.Integer(), nullable=False),
    sa.Column('resolved', sa.Integer(), nullable=False),
    sa.Column('partly_resolved', sa.Integer(), nullable=False),
    sa.Column('not_resolved', sa.Integer(), nullable=False),
    sa.Column('closed', sa.Integer(), nullable=False),
    sa.Column('closed_on_time', sa.Integer(), nullable=False),
    sa.Column('rated', sa.Integer(), nullable=False),
    sa.Column('satisfied', sa.Integer(), nullable=False),
    sa.Column('basically_satisfied', sa.Integer(), nullable=False),
    sa.Column('dissatisfied', sa.Integer(), nullable=False),
    sa.Column('returned', sa.Integer(), nullable=False),
    sa.Column('unjustified_returns', sa.Integer(), nullable=False),
    sa.Column('reply_rejected', sa.Integer(), nullable=False),
    sa.Column('rehandled', sa.Integer(), nullable=False),
    sa.Column('overdue', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_unit_day_stats_unit_id_unit')),
    sa.PrimaryKeyConstraint('unit_id', 'day', name=op.f('pk_unit_day_stats'))
    )
    with op.batch_alter_table('unit_day_stats', schema=None) as batch_op:
        batch_op.create_index('ix_unit_day_stats_day', ['day'], unique=False)

    op.create_table('ledger_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('overdue', 'buck_passing', 'perfunctory', 'dissatisfied_twice', 'emergency', 'stability', name='ledger_kind', native_enum=False, length=32), nullable=False),
    sa.Column('work_order_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('centre_unit_id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=True),
    sa.Column('entered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cleared_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['centre_unit_id'], ['unit.id'], name=op.f('fk_ledger_entry_centre_unit_id_unit')),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_ledger_entry_region_id_region')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_ledger_entry_unit_id_unit')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_order.id'], name=op.f('fk_ledger_entry_work_order_id_work_order'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_entry')),
    sa.UniqueConstraint('kind', 'work_order_id', name='uq_ledger_entry_kind_order')
    )
    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.create_index('ix_ledger_entry_kind_entered', ['kind', 'entered_at'], unique=False)
        batch_op.create_index('ix_ledger_entry_order', ['work_order_id'], unique=False)
        batch_op.create_index('ix_ledger_entry_unit', ['unit_id', 'kind'], unique=False)

    with op.batch_alter_table('work_order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('due_soon_warned_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('overdue_at', sa.DateTime(timezone=True), nullable=True))




def downgrade() -> None:

    with op.batch_alter_table('work_order', schema=None) as batch_op:
        batch_op.drop_column('overdue_at')
        batch_op.drop_column('due_soon_warned_at')

    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_ledger_entry_unit')
        batch_op.drop_index('ix_ledger_entry_order')
        batch_op.drop_index('ix_ledger_entry_kind_entered')

    op.drop_table('ledger_entry')
    with op.batch_alter_table('unit_day_stats', schema=None) as batch_op:
        batch_op.drop_index('ix_unit_day_stats_day')

    op.drop_table('unit_day_stats')
    op.drop_table('projection_cursor')

