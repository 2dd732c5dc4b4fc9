"""spot checks (工单抽查) with findings, re-callbacks and corrections; rectification lists (整改清单);
the green channel's rules for enterprises' appeals (涉企诉求绿色通道)

Revision ID: f6d4e5f61100
Revises: f3a9b8c70800
Create Date: 2026-12-06 23:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hotline.kit.db

revision: str = 'f6d4e5f61100'
down_revision: str | None = 'f3a9b8c70800'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('green_channel_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('appeal_type', sa.String(length=32), nullable=True),
    sa.Column('working_days', sa.Integer(), nullable=True),
    sa.Column('percent', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['appeal_type'], ['appeal_type.code'], name=op.f('fk_green_channel_rule_appeal_type_appeal_type')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_green_channel_rule')),
    sa.UniqueConstraint('appeal_type', name=op.f('uq_green_channel_rule_appeal_type'))
    )
    op.create_table('spot_check',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('issuer_unit_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', hotline.kit.db.UTCDateTime(), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('stratify_by', sa.String(length=16), nullable=True),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('criteria', sa.JSON(), nullable=False),
    sa.Column('sample_size', sa.Integer(), nullable=False),
    sa.Column('population', sa.Integer(), nullable=False),
    sa.Column('seed', sa.String(length=32), nullable=False),
    sa.Column('correction_working_days', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('closed_at', hotline.kit.db.UTCDateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_spot_check_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['issuer_unit_id'], ['unit.id'], name=op.f('fk_spot_check_issuer_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spot_check')),
    sa.UniqueConstraint('ref', name=op.f('uq_spot_check_ref'))
    )
    with op.batch_alter_table('spot_check', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_spot_check_issuer_unit_id'), ['issuer_unit_id'], unique=False)

    op.create_table('rectification_list',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('issuer_unit_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', hotline.kit.db.UTCDateTime(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('spot_check_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_rectification_list_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['issuer_unit_id'], ['unit.id'], name=op.f('fk_rectification_list_issuer_unit_id_unit')),
    sa.ForeignKeyConstraint(['spot_check_id'], ['spot_check.id'], name=op.f('fk_rectification_list_spot_check_id_spot_check')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rectification_list')),
    sa.UniqueConstraint('ref', name=op.f('uq_rectification_list_ref'))
    )
    with op.batch_alter_table('rectification_list', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rectification_list_issuer_unit_id'), ['issuer_unit_id'], unique=False)

    op.create_table('spot_check_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=32), nullable=False),
    sa.Column('spot_check_id', sa.Integer(), nullable=False),
    sa.Column('work_order_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('stratum', sa.String(length=40), nullable=True),
    sa.Column('finding', sa.String(length=16), nullable=True),
    sa.Column('problem_type', sa.String(length=24), nullable=True),
    sa.Column('finding_note', sa.String(length=1000), nullable=True),
    sa.Column('checked_by_id', sa.Integer(), nullable=True),
    sa.Column('checked_at', hotline.kit.db.UTCDateTime(), nullable=True),
    sa.Column('recall_verdict', sa.String(length=24), nullable=True),
    sa.Column('recall_note', sa.String(length=500), nullable=True),
    sa.Column('recall_by_id', sa.Integer(), nullable=True),
    sa.Column('recall_at', hotline.kit.db.UTCDateTime(), nullable=True),
    sa.Column('correction_state', sa.String(length=16), nullable=False),
    sa.Column('correction_required', sa.String(length=1000), nullable=True),
    sa.Column('correction_due_at', hotline.kit.db.UTCDateTime(), nullable=True),
    sa.Column('correction_answer', sa.Text(), nullable=True),
    sa.Column('correction_answered_at', hotline.kit.db.UTCDateTime(), nullable=True),
    sa.Column('correction_answered_by_id', sa.Integer(), nullable=True),
    sa.Column('correction_decided_at', hotline.kit.db.UTCDateTime(), nullable=True),
    sa.Column('correction_decision_note', sa.String(length=500), nullable=True),
    sa.Column('correction_on_time', sa.Boolean(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['checked_by_id'], ['user_account.id'], name=op.f('fk_spot_check_item_checked_by_id_user_account')),
    sa.ForeignKeyConstraint(['correction_answered_by_id'], ['user_account.id'], name=op.f('fk_spot_check_item_correction_answered_by_id_user_account')),
    sa.ForeignKeyConstraint(['recall_by_id'], ['user_account.id'], name=op.f('fk_spot_check_item_recall_by_id_user_account')),
    sa.ForeignKeyConstraint(['spot_check_id'], ['spot_check.id'], name=op.f('fk_spot_check_item_spot_check_id_spot_check'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_spot_check_item_unit_id_unit')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_order.id'], name=op.f('fk_spot_check_item_work_order_id_work_order')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spot_check_item')),
    sa.UniqueConstraint('ref', name=op.f('uq_spot_check_item_ref')),
    sa.UniqueConstraint('spot_check_id', 'work_order_id', name='uq_spot_check_item_order')
    )
    with op.batch_alter_table('spot_check_item', schema=None) as batch_op:
        batch_op.create_index('ix_spot_check_item_check', ['spot_check_id', 'id'], unique=False)
        batch_op.create_index('ix_spot_check_item_unit_state', ['unit_id', 'correction_state'], unique=False)
        batch_op.create_index(batch_op.f('ix_spot_check_item_work_order_id'), ['work_order_id'], unique=False)

    op.create_table('rectification_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=32), nullable=False),
    sa.Column('list_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('description', sa.String(length=1000), nullable=False),
    sa.Column('due_at', hotline.kit.db.UTCDateTime(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('work_order_id', sa.Integer(), nullable=True),
    sa.Column('source_kind', sa.String(length=16), nullable=False),
    sa.Column('spot_check_item_id', sa.Integer(), nullable=True),
    sa.Column('ledger_entry_id', sa.Integer(), nullable=True),
    sa.Column('progress', sa.Text(), nullable=True),
    sa.Column('progress_at', hotline.kit.db.UTCDateTime(), nullable=True),
    sa.Column('reported_at', hotline.kit.db.UTCDateTime(), nullable=True),
    sa.Column('done_at', hotline.kit.db.UTCDateTime(), nullable=True),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('return_note', sa.String(length=500), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['user_account.id'], name=op.f('fk_rectification_item_confirmed_by_id_user_account')),
    sa.ForeignKeyConstraint(['ledger_entry_id'], ['ledger_entry.id'], name=op.f('fk_rectification_item_ledger_entry_id_ledger_entry'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['list_id'], ['rectification_list.id'], name=op.f('fk_rectification_item_list_id_rectification_list'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['spot_check_item_id'], ['spot_check_item.id'], name=op.f('fk_rectification_item_spot_check_item_id_spot_check_item')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_rectification_item_unit_id_unit')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_order.id'], name=op.f('fk_rectification_item_work_order_id_work_order')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rectification_item')),
    sa.UniqueConstraint('ref', name=op.f('uq_rectification_item_ref'))
    )
    with op.batch_alter_table('rectification_item', schema=None) as batch_op:
        batch_op.create_index('ix_rectification_item_list', ['list_id', 'id'], unique=False)
        batch_op.create_index('ix_rectification_item_unit_status', ['unit_id', 'status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('rectification_item', schema=None) as batch_op:
        batch_op.drop_index('ix_rectification_item_unit_status')
        batch_op.drop_index('ix_rectification_item_list')

    op.drop_table('rectification_item')
    with op.batch_alter_table('spot_check_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_spot_check_item_work_order_id'))
        batch_op.drop_index('ix_spot_check_item_unit_state')
        batch_op.drop_index('ix_spot_check_item_check')

    op.drop_table('spot_check_item')
    with op.batch_alter_table('rectification_list', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rectification_list_issuer_unit_id'))

    op.drop_table('rectification_list')
    with op.batch_alter_table('spot_check', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_spot_check_issuer_unit_id'))

    op.drop_table('spot_check')
    op.drop_table('green_channel_rule')
