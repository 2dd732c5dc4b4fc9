"""work orders

Revision ID: 3b90b6f5fbf5
Revises: c9e8e26a286f
Create Date: 2026-11-22 03:15:24.619456
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '3b90b6f5fbf5'
down_revision: str | None = 'c9e8e26a286f'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('direct_dispatch_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('category_codes', sa.JSON(), nullable=False),
    sa.Column('keywords', sa.JSON(), nullable=False),
    sa.Column('target', sa.Enum('utility', 'county_government', 'competent_department', name='direct_target', native_enum=False, length=32), nullable=False),
    sa.Column('utility_type', sa.String(length=16), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_direct_dispatch_rule'))
    )
    op.create_table('number_counter',
    sa.Column('day', sa.String(length=8), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_number_counter'))
    )
    op.create_table('deadline_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('appeal_type', sa.String(length=32), nullable=True),
    sa.Column('category_prefix', sa.String(length=16), nullable=True),
    sa.Column('urgency', sa.Enum('normal', 'urgent', 'emergency', name='urgency', native_enum=False, length=32), nullable=True),
    sa.Column('working_days', sa.Integer(), nullable=True),
    sa.Column('hours', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['appeal_type'], ['appeal_type.code'], name=op.f('fk_deadline_rule_appeal_type_appeal_type')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deadline_rule'))
    )
    op.create_table('work_order',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('status', sa.Enum('registered', 'dispatched', 'handling', 'returned', 'coordinating', 'replied', 'callback', 'closed', 'withdrawn', name='work_order_status', native_enum=False, length=32), nullable=False),
    sa.Column('channel_id', sa.Integer(), nullable=False),
    sa.Column('appeal_type', sa.String(length=32), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('region_id', sa.Integer(), nullable=True),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('citizen_id', sa.Integer(), nullable=True),
    sa.Column('is_confidential', sa.Boolean(), nullable=False),
    sa.Column('urgency', sa.Enum('normal', 'urgent', 'emergency', name='urgency', native_enum=False, length=32), nullable=False),
    sa.Column('is_enterprise', sa.Boolean(), nullable=False),
    sa.Column('enterprise_name', sa.String(length=100), nullable=True),
    sa.Column('uscc', sa.String(length=18), nullable=True),
    sa.Column('centre_unit_id', sa.Integer(), nullable=False),
    sa.Column('lead_unit_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('direct_rule_id', sa.Integer(), nullable=True),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('registered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('dispatched_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('dispatch_seconds', sa.Double(), nullable=True),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('replied_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sign_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('due_covered', sa.Boolean(), nullable=False),
    sa.Column('return_count', sa.Integer(), nullable=False),
    sa.Column('unjustified_return_count', sa.Integer(), nullable=False),
    sa.Column('rehandle_count', sa.Integer(), nullable=False),
    sa.Column('dissatisfied_count', sa.Integer(), nullable=False),
    sa.Column('extension_count', sa.Integer(), nullable=False),
    sa.Column('supervision_flag', sa.Boolean(), nullable=False),
    sa.Column('supervision_reason', sa.String(length=200), nullable=True),
    sa.Column('final_result', sa.Enum('resolved', 'partly_resolved', 'not_resolved', name='reply_result', native_enum=False, length=32), nullable=True),
    sa.Column('final_verdict', sa.Enum('satisfied', 'basically_satisfied', 'dissatisfied', name='verdict', native_enum=False, length=32), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['appeal_type'], ['appeal_type.code'], name=op.f('fk_work_order_appeal_type_appeal_type')),
    sa.ForeignKeyConstraint(['category_id'], ['category.id'], name=op.f('fk_work_order_category_id_category')),
    sa.ForeignKeyConstraint(['centre_unit_id'], ['unit.id'], name=op.f('fk_work_order_centre_unit_id_unit')),
    sa.ForeignKeyConstraint(['channel_id'], ['channel.id'], name=op.f('fk_work_order_channel_id_channel')),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizen.id'], name=op.f('fk_work_order_citizen_id_citizen')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_work_order_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['direct_rule_id'], ['direct_dispatch_rule.id'], name=op.f('fk_work_order_direct_rule_id_direct_dispatch_rule')),
    sa.ForeignKeyConstraint(['lead_unit_id'], ['unit.id'], name=op.f('fk_work_order_lead_unit_id_unit')),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_work_order_region_id_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_order')),
    sa.UniqueConstraint('number', name=op.f('uq_work_order_number'))
    )
    with op.batch_alter_table('work_order', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_work_order_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_order_centre_unit_id'), ['centre_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_order_citizen_id'), ['citizen_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_order_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_order_lead_unit_id'), ['lead_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_order_region_id'), ['region_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_order_registered_at'), ['registered_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_order_status'), ['status'], unique=False)
        batch_op.create_index('ix_work_order_status_due', ['status', 'due_at'], unique=False)

    op.create_table('coordination_case',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('work_order_id', sa.Integer(), nullable=False),
    sa.Column('candidate_unit_ids', sa.JSON(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('opened_by_id', sa.Integer(), nullable=True),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_unit_id', sa.Integer(), nullable=True),
    sa.Column('decision_note', sa.String(length=500), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_coordination_case_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['decided_unit_id'], ['unit.id'], name=op.f('fk_coordination_case_decided_unit_id_unit')),
    sa.ForeignKeyConstraint(['opened_by_id'], ['user_account.id'], name=op.f('fk_coordination_case_opened_by_id_user_account')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_order.id'], name=op.f('fk_coordination_case_work_order_id_work_order'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coordination_case'))
    )
    with op.batch_alter_table('coordination_case', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_coordination_case_work_order_id'), ['work_order_id'], unique=False)

    op.create_table('idempotency_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('principal_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('work_order_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_order.id'], name=op.f('fk_idempotency_key_work_order_id_work_order'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_key')),
    sa.UniqueConstraint('principal_id', 'key', name='uq_idempotency_key_principal_key')
    )
    op.create_table('work_order_assignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('work_order_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('lead', 'assist', 'copy', name='assignment_role', native_enum=False, length=32), nullable=False),
    sa.Column('state', sa.Enum('active', 'done', 'revoked', name='assignment_state', native_enum=False, length=32), nullable=False),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('contribution', sa.Text(), nullable=True),
    sa.Column('contributed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_work_order_assignment_unit_id_unit')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_order.id'], name=op.f('fk_work_order_assignment_work_order_id_work_order'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_order_assignment'))
    )
    with op.batch_alter_table('work_order_assignment', schema=None) as batch_op:
        batch_op.create_index('ix_work_order_assignment_inbox', ['unit_id', 'state'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_order_assignment_work_order_id'), ['work_order_id'], unique=False)

    op.create_table('work_order_callback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('work_order_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reached', sa.Boolean(), nullable=False),
    sa.Column('resolved', sa.Boolean(), nullable=True),
    sa.Column('verdict', sa.Enum('satisfied', 'basically_satisfied', 'dissatisfied', name='verdict', native_enum=False, length=32), nullable=True),
    sa.Column('unit_fault', sa.Boolean(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['agent_id'], ['user_account.id'], name=op.f('fk_work_order_callback_agent_id_user_account')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_order.id'], name=op.f('fk_work_order_callback_work_order_id_work_order'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_order_callback'))
    )
    with op.batch_alter_table('work_order_callback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_work_order_callback_work_order_id'), ['work_order_id'], unique=False)

    op.create_table('work_order_extension',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('work_order_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('working_days', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decision', sa.Enum('pending', 'accepted', 'rejected', name='decision', native_enum=False, length=32), nullable=False),
    sa.Column('new_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.String(length=500), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_work_order_extension_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_work_order_extension_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_work_order_extension_unit_id_unit')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_order.id'], name=op.f('fk_work_order_extension_work_order_id_work_order'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_order_extension'))
    )
    with op.batch_alter_table('work_order_extension', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_work_order_extension_work_order_id'), ['work_order_id'], unique=False)

    op.create_table('work_order_reply',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('work_order_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('result', sa.Enum('resolved', 'partly_resolved', 'not_resolved', name='reply_result', native_enum=False, length=32), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('attachments', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('review', sa.Enum('pending', 'accepted', 'rejected', name='decision', native_enum=False, length=32), nullable=False),
    sa.Column('review_reason', sa.String(length=500), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_work_order_reply_author_id_user_account')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['user_account.id'], name=op.f('fk_work_order_reply_reviewed_by_id_user_account')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_work_order_reply_unit_id_unit')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_order.id'], name=op.f('fk_work_order_reply_work_order_id_work_order'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_order_reply'))
    )
    with op.batch_alter_table('work_order_reply', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_work_order_reply_work_order_id'), ['work_order_id'], unique=False)

    op.create_table('work_order_return',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('work_order_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('suggested_unit_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decision', sa.String(length=16), nullable=False),
    sa.Column('unjustified', sa.Boolean(), nullable=False),
    sa.Column('decision_note', sa.String(length=500), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_work_order_return_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_work_order_return_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['suggested_unit_id'], ['unit.id'], name=op.f('fk_work_order_return_suggested_unit_id_unit')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_work_order_return_unit_id_unit')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_order.id'], name=op.f('fk_work_order_return_work_order_id_work_order'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_order_return'))
    )
    with op.batch_alter_table('work_order_return', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_work_order_return_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_order_return_work_order_id'), ['work_order_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('work_order_return', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_work_order_return_work_order_id'))
        batch_op.drop_index(batch_op.f('ix_work_order_return_unit_id'))

    op.drop_table('work_order_return')
    with op.batch_alter_table('work_order_reply', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_work_order_reply_work_order_id'))

    op.drop_table('work_order_reply')
    with op.batch_alter_table('work_order_extension', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_work_order_extension_work_order_id'))

    op.drop_table('work_order_extension')
    with op.batch_alter_table('work_order_callback', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_work_order_callback_work_order_id'))

    op.drop_table('work_order_callback')
    with op.batch_alter_table('work_order_assignment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_work_order_assignment_work_order_id'))
        batch_op.drop_index('ix_work_order_assignment_inbox')

    op.drop_table('work_order_assignment')
    op.drop_table('idempotency_key')
    with op.batch_alter_table('coordination_case', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_coordination_case_work_order_id'))

    op.drop_table('coordination_case')
    with op.batch_alter_table('work_order', schema=None) as batch_op:
        batch_op.drop_index('ix_work_order_status_due')
        batch_op.drop_index(batch_op.f('ix_work_order_status'))
        batch_op.drop_index(batch_op.f('ix_work_order_registered_at'))
        batch_op.drop_index(batch_op.f('ix_work_order_region_id'))
        batch_op.drop_index(batch_op.f('ix_work_order_lead_unit_id'))
        batch_op.drop_index(batch_op.f('ix_work_order_due_at'))
        batch_op.drop_index(batch_op.f('ix_work_order_citizen_id'))
        batch_op.drop_index(batch_op.f('ix_work_order_centre_unit_id'))
        batch_op.drop_index(batch_op.f('ix_work_order_category_id'))

    op.drop_table('work_order')
    op.drop_table('deadline_rule')
    op.drop_table('number_counter')
    op.drop_table('direct_dispatch_rule')
